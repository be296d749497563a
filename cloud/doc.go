// Package cloud asks a cloud provider whether the network in front of each
// host lets SSH through: for every source address (the auditor, the end
// users' clients, a bastion) it evaluates the instance's security groups and
// its subnet's network ACL, inbound to the SSH port and outbound for the
// return traffic to the source's ephemeral ports.
//
// The provider is asked once per region for the whole fleet (one paginated
// Describe* per API), never once per host; the rules are then evaluated in
// memory by pure functions (eval.go), so a fleet of ten thousand hosts costs
// the same handful of calls as a fleet of one.
//
// Only AWS (EC2) is implemented.
package cloud
