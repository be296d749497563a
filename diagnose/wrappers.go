package diagnose

import (
	"fmt"
	"path"

	"github.com/resetaudit/resetaudit/facts"
	"github.com/resetaudit/resetaudit/result"
	"github.com/resetaudit/resetaudit/tcpwrap"
)

// wrappers evaluates hosts.allow and hosts.deny for sshd.
func (d *diag) wrappers() {
	w := d.f.Wrappers
	if !w.Read || !d.covered(facts.AreaWrappers) {
		return
	}
	lw := d.f.Sshd.Libwrap
	if lw != nil && !*lw {
		return // this sshd ignores the files
	}
	if lw == nil && w.Deny == "" {
		return
	}
	unknown := ""
	if lw == nil {
		unknown = " (uncertain: whether this sshd is linked with libwrap is unknown)"
	}
	for _, s := range d.sources {
		dec := tcpwrap.Check(w.Allow, w.Deny, "sshd", s.addr, "")
		if _, banner := d.connectedFrom(s.addr); dec.Allowed || banner {
			continue
		}
		fd := finding(result.CauseTCPWrappers, result.High, result.Risk,
			fmt.Sprintf("hosts.deny refuses sshd to %s", s.label()))
		fd.ClientIP = s.addr.String()
		fd.Evidence = []string{decisionLine(dec) + unknown}
		if !dec.Certain {
			fd.Evidence[0] += " (uncertain: the rule needs a name lookup or an unsupported pattern)"
		}
		refused := eventsFrom(d.events(facts.EvWrappersRefused), s.addr)
		probed := s.auditor && d.in.Probe.Symptom == result.SymptomResetBeforeBanner
		// A logged refusal proves libwrap is in force; a reset probe only
		// when the binary is known to use it.
		if len(refused) > 0 || (probed && lw != nil && dec.Certain) {
			fd.Status = result.Observed
		}
		fd.Evidence = append(fd.Evidence, eventLines(refused)...)
		fd.Fix = d.wrappersFix(s.addr.String(), dec)
		d.add(fd)
	}
	dec := tcpwrap.Check(w.Allow, w.Deny, "sshd", genericSource, "")
	if !dec.Allowed {
		fd := finding(result.CauseTCPWrappers, result.Medium, result.Risk,
			"hosts.deny refuses sshd to every source not listed in hosts.allow")
		fd.Evidence = []string{
			fmt.Sprintf("evaluated: sshd from %s (any other address)", genericSource),
			decisionLine(dec) + unknown,
		}
		fd.Evidence = append(fd.Evidence, eventLines(d.unnamed(d.events(facts.EvWrappersRefused)))...)
		fd.Fix = d.wrappersFix("<client address>", dec)
		d.add(fd)
	}
}

// decisionLine is the evidence of a decision: "hosts.deny:3: sshd: ALL".
func decisionLine(dec tcpwrap.Decision) string {
	if dec.File == "" {
		return "hosts.allow/hosts.deny: " + dec.Rule
	}
	return fmt.Sprintf("%s:%d: %s", path.Base(dec.File), dec.Line, dec.Rule)
}

func (d *diag) wrappersFix(who string, dec tcpwrap.Decision) []string {
	fix := []string{
		fmt.Sprintf("echo 'sshd: %s' >> /etc/hosts.allow   # hosts.allow is read first and wins", who),
	}
	if dec.File != "" {
		fix = append(fix, fmt.Sprintf("or remove or narrow line %d of /etc/%s", dec.Line, path.Base(dec.File)))
	}
	return append(fix,
		"cat /etc/hosts.allow /etc/hosts.deny   # review: 'sshd: ALL' in hosts.allow lets everyone through",
		"no restart needed: sshd reads the files on every connection")
}
