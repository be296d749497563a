// Package inventory loads the hosts to audit and selects among them.
//
// Load reads one inventory file in any of the supported formats, detected
// from the file name and content:
//
//   - the plain list of shared/CONTRACT.md, one "[user@]host[:port] key=value..." per line;
//   - resetaudit's own YAML format (a "hosts:" list and an optional "groups:" map);
//   - Ansible inventories, INI or YAML;
//   - OpenSSH client configuration: every non-wildcard Host alias is a host.
//
// Every value read from an inventory is validated before it reaches a Host:
// addresses are IP addresses or DNS names, users and groups are plain words,
// and nothing may begin with '-', so no inventory value can turn into an ssh
// option or a shell word. Errors are *Error values that name the file and line.
//
// Limit selects hosts with Ansible-like patterns and Shard splits an inventory
// into stable slices for sweeps that run in parallel on several machines.
package inventory
