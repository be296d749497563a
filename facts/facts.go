// Package facts holds what the payload learned about one host, as typed
// values, and the parsers that turn the payload's framed output into them.
//
// Everything here came from a host and is untrusted: strings are kept as data,
// never interpreted, and every parser tolerates truncated or hostile input.
package facts

import (
	"net/netip"
	"time"
)

// Coverage areas. Each host's coverage has one entry per area, with the value
// CoverageOK or a reason it was not (fully) checked, such as
// "not checked: needs root (sudo -n refused)" or "error: nft: command not found".
const (
	AreaSshd      = "sshd"        // process, service state, listeners, version
	AreaConfig    = "sshd_config" // sshd -T and sshd -t
	AreaLogs      = "logs"        // auth log / journal of sshd
	AreaKernelLog = "kernel_log"  // dmesg / journalctl -k: OOM killer, reboots
	AreaFirewall  = "firewall"    // iptables, nftables, firewalld, ufw
	AreaWrappers  = "tcp_wrappers"
	AreaFail2ban  = "fail2ban"
	AreaResources = "resources" // memory, load, processes, file descriptors
	AreaDisk      = "disk"
	AreaNetwork   = "network" // interfaces, MTU, sysctls, conntrack, DNS
	AreaCloud     = "cloud"   // set by audit when --cloud is used
)

// CoverageOK is the coverage value of a fully checked area.
const CoverageOK = "ok"

// Facts is everything collected from one host.
type Facts struct {
	Host      HostInfo
	Privilege string            // "root", "sudo" or "user"
	Coverage  map[string]string // area -> CoverageOK or the reason
	Sshd      Sshd
	Wrappers  Wrappers
	Firewall  Firewall
	Fail2ban  Fail2ban
	Resources Resources
	Disks     []Disk
	Network   Network
	Events    []Event // from the sshd log, the journal and the kernel log
	// Truncated names the sections whose output hit a cap.
	Truncated []string
	// Since is the start of the log window the payload read.
	Since time.Time
}

// HostInfo identifies the host.
type HostInfo struct {
	Hostname string
	OS       string // PRETTY_NAME of os-release
	Kernel   string
	Init     string // "systemd", "openrc", "sysv", "busybox" or ""
	Now      time.Time
	BootTime time.Time // zero when unknown
	// ClientAddr is the auditor's address as the host saw it (SSH_CONNECTION).
	ClientAddr string
}

// Sshd is the state of the SSH daemon.
type Sshd struct {
	Version string // "OpenSSH_9.2p1", from sshd -V or the banner
	Running bool   // an sshd listener process exists
	PIDs    []int
	Service string           // systemd/openrc state: "active", "inactive", "failed", "" unknown
	Listen  []netip.AddrPort // TCP listeners of sshd
	// PortListeners are all TCP listeners on the configured SSH ports, any process.
	PortListeners []Listener
	// Config is `sshd -T`: lower-case keyword -> values, nil when it could not run.
	Config map[string][]string
	// ConfigTest is `sshd -t`; nil when it could not run.
	ConfigTest *ConfigTest
	// Libwrap is true when sshd is linked against libwrap (honours hosts.allow/deny).
	Libwrap *bool
	// StartTime is when the running sshd (listener) started, zero when unknown.
	StartTime time.Time
}

// Listener is a listening TCP socket.
type Listener struct {
	Addr    netip.AddrPort
	Process string
}

// ConfigTest is the result of `sshd -t`.
type ConfigTest struct {
	OK     bool
	Output string
}

// Wrappers holds /etc/hosts.allow and /etc/hosts.deny as read.
type Wrappers struct {
	Allow, Deny string
	// Read is true when both files were read (or known absent).
	Read bool
}

// Firewall holds the raw rule dumps; package firewall parses and evaluates them.
type Firewall struct {
	IptablesSave  string // iptables-save (whichever backend is active)
	Ip6tablesSave string
	IptablesMode  string // "legacy", "nf_tables" or ""
	NftJSON       string // nft -j list ruleset
	Firewalld     string // firewall-cmd --state and --list-all for each active zone
	Ufw           string // ufw status verbose
}

// Fail2ban is the state of fail2ban.
type Fail2ban struct {
	Installed bool
	Running   bool
	Jails     []Jail
}

// Jail is one fail2ban jail.
type Jail struct {
	Name            string
	CurrentlyFailed int
	TotalFailed     int
	CurrentlyBanned int
	TotalBanned     int
	Banned          []string // addresses or CIDRs
}

// Resources is memory, CPU and process pressure.
type Resources struct {
	CPUs                    int
	Load1, Load5, Load15    float64
	MemTotalKB, MemAvailKB  int64
	SwapTotalKB, SwapFreeKB int64
	Processes, PidMax       int64
	ThreadsMax              int64
	FilesOpen, FilesMax     int64 // /proc/sys/fs/file-nr, file-max
	// PSI some avg60 values, -1 when unavailable.
	MemPressure, CPUPressure float64
}

// Disk is one mounted filesystem.
type Disk struct {
	Mount        string
	Device       string
	SizeKB       int64
	AvailKB      int64
	UsePct       int
	InodesUsePct int // -1 when unknown
}

// Network is interfaces, sysctls and name resolution.
type Network struct {
	Interfaces []Interface
	// RouteMTU is the MTU of the route towards the auditor, when known.
	Sysctl map[string]string // e.g. "net.ipv4.tcp_mtu_probing" -> "0"
	// Nameservers from resolv.conf.
	Nameservers []string
	// ReverseLookup is the timed reverse lookup of the auditor's address.
	ReverseLookup                *Lookup
	ConntrackCount, ConntrackMax int64 // -1 when unknown
}

// Interface is one network interface.
type Interface struct {
	Name  string
	MTU   int
	Up    bool
	Addrs []netip.Prefix
}

// Lookup is a timed DNS lookup made on the host.
type Lookup struct {
	Query    string
	Duration time.Duration
	OK       bool
	TimedOut bool
}

// EventKind classifies a log line.
type EventKind string

// Event kinds found in logs.
const (
	EvMaxStartupsThrottle EventKind = "maxstartups_throttle" // beginning MaxStartups throttling
	EvMaxStartupsDrop     EventKind = "maxstartups_drop"     // drop connection #N ... past MaxStartups
	EvWrappersRefused     EventKind = "wrappers_refused"     // refused connect from
	EvNoIdentification    EventKind = "no_identification"    // Did not receive identification string
	EvProtocolError       EventKind = "protocol_error"       // Bad packet length, Corrupted MAC, ...
	EvKexMismatch         EventKind = "kex_mismatch"         // Unable to negotiate / no matching ... / no hostkey alg
	EvLoginGraceTimeout   EventKind = "login_grace_timeout"  // Timeout before authentication
	EvPenalty             EventKind = "penalty"              // PerSourcePenalties drops
	EvAuthFailure         EventKind = "auth_failure"         // Failed password / Invalid user ...
	EvSshdStart           EventKind = "sshd_start"           // Server listening on ...
	EvSshdStop            EventKind = "sshd_stop"            // Received signal 15; terminating / service stopped
	EvSshdCrash           EventKind = "sshd_crash"           // segfault, fatal, main process exited code=killed/dumped
	EvOOMKill             EventKind = "oom_kill"             // Out of memory: Killed process N (comm)
	EvForkFailure         EventKind = "fork_failure"         // fork: Cannot allocate memory / Resource temporarily unavailable
	EvTooManyFiles        EventKind = "too_many_files"       // Too many open files
	EvNoSpace             EventKind = "no_space"             // No space left on device
	EvBoot                EventKind = "boot"                 // kernel boot / journal -- Boot --
	EvShutdown            EventKind = "shutdown"             // orderly shutdown / reboot
	EvConnReset           EventKind = "conn_reset"           // Connection reset by peer (server side)
	EvConntrackFull       EventKind = "conntrack_full"       // nf_conntrack: table full, dropping packet
)

// Event is one classified log line.
type Event struct {
	Kind   EventKind
	Time   time.Time // zero when the line carried none
	Source string    // "auth.log", "secure", "journal", "dmesg", ...
	Line   string    // the original line, untrusted
	Addr   string    // the remote address named in the line, if any
	// Process is the victim of an OOM kill or the crashing program.
	Process string
}
