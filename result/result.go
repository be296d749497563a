// Package result defines the report that a sweep produces: the JSON schema
// "resetaudit/v1" of shared/CONTRACT.md, shared by diagnose, audit and report.
//
// The types carry no behaviour beyond small helpers; they are the interchange
// format between sweeps, merges and baselines, so field names and values are a
// contract with scripts and must not change.
package result

import "time"

// Schema is the value of Report.Schema.
const Schema = "resetaudit/v1"

// Symptom is how a connection attempt went, seen from the auditor.
type Symptom string

// Probe symptoms (CONTRACT.md).
const (
	SymptomOK                 Symptom = "ok"
	SymptomRefused            Symptom = "refused"
	SymptomConnectTimeout     Symptom = "connect_timeout"
	SymptomResetBeforeBanner  Symptom = "reset_before_banner"
	SymptomClosedBeforeBanner Symptom = "closed_before_banner"
	SymptomBannerTimeout      Symptom = "banner_timeout"
	SymptomResetDuringKex     Symptom = "reset_during_kex"
	SymptomKexFailed          Symptom = "kex_failed"
	SymptomHostKeyUnknown     Symptom = "host_key_unknown"
	SymptomHostKeyChanged     Symptom = "host_key_changed"
	SymptomAuthFailed         Symptom = "auth_failed"
	SymptomCollectTimeout     Symptom = "collect_timeout"
	SymptomCollectFailed      Symptom = "collect_failed"
	// SymptomNotRun marks a host the sweep did not reach before it was
	// interrupted. It is an extension of the contract's list.
	SymptomNotRun Symptom = "not_run"
)

// Severity orders findings.
type Severity string

// Severities, most severe first.
const (
	Critical Severity = "critical"
	High     Severity = "high"
	Medium   Severity = "medium"
	Low      Severity = "low"
	Info     Severity = "info"
)

// Rank is larger for more severe findings; 0 for an unknown severity.
func (s Severity) Rank() int {
	switch s {
	case Critical:
		return 5
	case High:
		return 4
	case Medium:
		return 3
	case Low:
		return 2
	case Info:
		return 1
	}
	return 0
}

// ParseSeverity accepts a severity name, or "never" which ranks above all.
func ParseSeverity(s string) (Severity, bool) {
	v := Severity(s)
	if v.Rank() > 0 || s == "never" {
		return v, true
	}
	return "", false
}

// Status says whether a finding is happening or only likely.
type Status string

// Finding statuses.
const (
	Observed Status = "observed"
	Risk     Status = "risk"
)

// Cause ids of the catalog (CONTRACT.md). Never reuse an id for another meaning.
const (
	CauseIdleTimeout           = "idle_timeout"
	CauseResourceExhaustion    = "resource_exhaustion"
	CauseDiskFull              = "disk_full"
	CauseSshdNotRunning        = "sshd_not_running"
	CauseSshdRestarts          = "sshd_restarts"
	CauseSshdConfigInvalid     = "sshd_config_invalid"
	CauseAlgorithmMismatch     = "algorithm_mismatch"
	CauseHostRebooted          = "host_rebooted"
	CauseTCPWrappers           = "tcp_wrappers"
	CauseFirewallReject        = "firewall_reject"
	CauseFirewallNoEstablished = "firewall_no_established"
	CauseFail2banBan           = "fail2ban_ban"
	CauseMTUBlackhole          = "mtu_blackhole"
	CauseMaxStartups           = "maxstartups"
	CausePerSourcePenalty      = "per_source_penalty"
	CauseSlowDNSLogin          = "slow_dns_login"
	CauseCloudSecurityGroup    = "cloud_security_group"
	CauseCloudNetworkACL       = "cloud_network_acl"
	CauseHostKeyChanged        = "host_key_changed"
	CauseAuthFailed            = "auth_failed"
	CauseUnreachable           = "unreachable"
	CauseBannerTimeout         = "banner_timeout"
	CauseHostKeyUnknown        = "host_key_unknown"   // extension: key not in known_hosts
	CauseCollectIncomplete     = "collect_incomplete" // extension: the payload did not finish
)

// Change values relative to a baseline.
const (
	ChangeNew        = "new"
	ChangePersisting = "persisting"
)

// Report is one sweep's (or one merge's) result.
type Report struct {
	Schema     string    `json:"schema"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Auditor    Auditor   `json:"auditor"`
	ClientIPs  []string  `json:"client_ips"`
	// Interrupted is set when the sweep was stopped by a signal.
	Interrupted bool `json:"interrupted,omitempty"`
	// Baseline names the report this one was compared with.
	Baseline string  `json:"baseline,omitempty"`
	Hosts    []Host  `json:"hosts"`
	Summary  Summary `json:"summary"`
}

// Auditor describes the machine that ran the sweep.
type Auditor struct {
	Version         string   `json:"version"`
	SourceAddresses []string `json:"source_addresses"`
	Hostname        string   `json:"hostname,omitempty"`
}

// Host is one audited host.
type Host struct {
	Name      string            `json:"name"`
	Address   string            `json:"address"`
	Port      int               `json:"port"`
	User      string            `json:"user"`
	Groups    []string          `json:"groups"`
	Jump      string            `json:"jump,omitempty"`
	Probe     Probe             `json:"probe"`
	Collected bool              `json:"collected"`
	Coverage  map[string]string `json:"coverage"`
	Findings  []Finding         `json:"findings"`
	// Resolved lists the baseline's findings that this run no longer has.
	Resolved []Finding `json:"resolved,omitempty"`
	// Change is "new" for a host absent from the baseline, and
	// "newly_unreachable" when it was collected there and is not now.
	Change string `json:"change,omitempty"`
	// Vantages keeps every vantage point's probe when reports are merged.
	Vantages []Vantage `json:"vantages,omitempty"`
	// OS and SSHVersion are informational, from the collected facts.
	OS         string `json:"os,omitempty"`
	SSHVersion string `json:"ssh_version,omitempty"`
}

// Probe is how the connection went from the auditor's side.
type Probe struct {
	Symptom    Symptom `json:"symptom"`
	Detail     string  `json:"detail,omitempty"`
	Banner     string  `json:"banner,omitempty"`
	DurationMS int64   `json:"duration_ms"`
	// SourceAddress is the local address the auditor connected from.
	SourceAddress string `json:"source_address,omitempty"`
	// Privilege is how the payload ran: root, sudo or user.
	Privilege string `json:"privilege,omitempty"`
	// OutputBytes is the size of the payload's output.
	OutputBytes int64 `json:"output_bytes,omitempty"`
	// DataUnacked is set on a banner timeout when the server's TCP never
	// acknowledged the bytes the auditor sent: packets after the handshake
	// are dropped (a default-drop firewall without an established accept),
	// unlike a listener that is merely silent.
	DataUnacked bool `json:"data_unacked,omitempty"`
	// AuthStalled is set when the key exchange completed and the server then
	// closed the connection during authentication without refusing it
	// (LoginGraceTime expiring behind a slow reverse DNS lookup, a hung PAM).
	AuthStalled bool `json:"auth_stalled,omitempty"`
}

// Vantage is one vantage point's view of a host, kept by merge.
type Vantage struct {
	Auditor string `json:"auditor"`
	Probe   Probe  `json:"probe"`
}

// Finding is one cause found on one host.
type Finding struct {
	Cause    string   `json:"cause"`
	Severity Severity `json:"severity"`
	Status   Status   `json:"status"`
	Title    string   `json:"title"`
	Evidence []string `json:"evidence"`
	Fix      []string `json:"fix"`
	Why      string   `json:"why"`
	ClientIP string   `json:"client_ip,omitempty"`
	Change   string   `json:"change,omitempty"`
}

// Key identifies a finding across runs.
func (f Finding) Key() string { return f.Cause + "|" + f.ClientIP }

// Summary counts a report's hosts and findings.
type Summary struct {
	Hosts        int            `json:"hosts"`
	Reachable    int            `json:"reachable"`
	Collected    int            `json:"collected"`
	WithFindings int            `json:"with_findings"`
	ByCause      map[string]int `json:"by_cause"`
	BySeverity   map[string]int `json:"by_severity,omitempty"`
	New          int            `json:"new,omitempty"`
	Resolved     int            `json:"resolved,omitempty"`
}

// Reachable reports whether a TCP connection and SSH handshake got far
// enough for sshd to answer.
func (p Probe) Reachable() bool {
	switch p.Symptom {
	case SymptomOK, SymptomAuthFailed, SymptomHostKeyUnknown, SymptomHostKeyChanged,
		SymptomCollectTimeout, SymptomCollectFailed, SymptomKexFailed:
		return true
	}
	return false
}

// Top returns the most severe finding, observed before risk; ok is false
// when there are none.
func (h *Host) Top() (Finding, bool) {
	var best Finding
	found := false
	for _, f := range h.Findings {
		if !found || better(f, best) {
			best, found = f, true
		}
	}
	return best, found
}

func better(a, b Finding) bool {
	if a.Severity.Rank() != b.Severity.Rank() {
		return a.Severity.Rank() > b.Severity.Rank()
	}
	return a.Status == Observed && b.Status != Observed
}

// Summarize recomputes r.Summary from r.Hosts.
func (r *Report) Summarize() {
	s := Summary{ByCause: map[string]int{}, BySeverity: map[string]int{}}
	for i := range r.Hosts {
		h := &r.Hosts[i]
		s.Hosts++
		if h.Probe.Reachable() {
			s.Reachable++
		}
		if h.Collected {
			s.Collected++
		}
		if len(h.Findings) > 0 {
			s.WithFindings++
		}
		for _, f := range h.Findings {
			s.ByCause[f.Cause]++
			s.BySeverity[string(f.Severity)]++
			if f.Change == ChangeNew {
				s.New++
			}
		}
		s.Resolved += len(h.Resolved)
	}
	r.Summary = s
}

// Worst returns the highest severity rank among all findings, 0 if none.
func (r *Report) Worst() int {
	w := 0
	for _, h := range r.Hosts {
		for _, f := range h.Findings {
			if f.Severity.Rank() > w {
				w = f.Severity.Rank()
			}
		}
	}
	return w
}
