// Package remote connects to audited hosts over SSH and runs the payload.
//
// A Dialer holds what every connection of a sweep shares: the host-key
// policy (known_hosts, optionally recording unknown keys), the private keys
// and the ssh-agent, and the connections to bastions. Dial makes one
// connection under one hard deadline and classifies how it went as a
// result.Probe, from the auditor's side: refused, connect timeout, reset or
// close before the banner, banner timeout, reset during key exchange, no
// common algorithm, unknown or changed host key, failed authentication, or ok.
// To tell these stages apart, Dial reads the server's version line itself
// before handing the connection, bytes replayed, to golang.org/x/crypto/ssh.
//
// Nothing here changes a host: a Client runs exactly one remote command in one
// session (facts.RemoteCommand), with the payload on its standard input, and
// disconnects.
package remote
