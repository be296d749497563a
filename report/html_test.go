package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/resetaudit/resetaudit/result"
)

func renderHTML(t testing.TB, r *result.Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

var dataRe = regexp.MustCompile(`(?s)<script type="application/json" id="report-data">(.*?)</script>`)

func TestWriteHTMLHostileHostStaysData(t *testing.T) {
	page := renderHTML(t, fixture())
	low := strings.ToLower(page)
	for _, bad := range []string{"<script>alert", "</script><script>alert", "<img src=x", "<b>bold", "\x1b", "\x00"} {
		if strings.Contains(low, bad) {
			t.Errorf("HTML contains %q unescaped", bad)
		}
	}
	// Exactly our two scripts, and no others.
	if n := strings.Count(low, "<script"); n != 2 {
		t.Errorf("%d <script elements, want 2", n)
	}
	m := dataRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no embedded report data")
	}
	var d pageData
	if err := json.Unmarshal([]byte(m[1]), &d); err != nil {
		t.Fatalf("embedded data is not JSON: %v", err)
	}
	if len(d.Hosts) != 5 || d.Hosts[4].Name != hostileName || d.Hosts[4].Findings[0].Evidence[9] != hostileBreak {
		t.Errorf("embedded data lost the hosts: %+v", d.Hosts)
	}
}

func TestWriteHTMLSelfContained(t *testing.T) {
	page := renderHTML(t, fixture())
	csp := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`).FindStringSubmatch(page)
	if csp == nil {
		t.Fatal("no Content-Security-Policy")
	}
	policy := html.UnescapeString(csp[1])
	for _, want := range []string{"default-src 'none'", "script-src 'sha256-", "style-src 'sha256-"} {
		if !strings.Contains(policy, want) {
			t.Errorf("policy %q lacks %q", policy, want)
		}
	}
	if strings.Contains(policy, "unsafe-inline") {
		t.Errorf("policy allows unsafe-inline: %q", policy)
	}
	// The hashes in the policy are those of the page's style and script.
	for _, block := range []struct{ re, kind string }{
		{`(?s)<style>(.*?)</style>`, "style"},
		{`(?s)<script>(.*?)</script>`, "script"},
	} {
		m := regexp.MustCompile(block.re).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no inline %s", block.kind)
		}
		if h := cspHash(m[1]); !strings.Contains(policy, block.kind+"-src "+h) {
			t.Errorf("%s hash %s not in policy %q", block.kind, h, policy)
		}
	}
	for _, bad := range []string{"http://", "https://", "src=", "@import", "url("} {
		if i := strings.Index(page, bad); i >= 0 && !strings.Contains(dataRe.FindString(page), bad) {
			t.Errorf("page references %q outside the data: %q", bad, page[max(0, i-40):i+40])
		}
	}
	for _, want := range []string{"@media print", "<svg", "hosts audited", "Findings by cause", "fail2ban_ban"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestWriteHTMLBaseline(t *testing.T) {
	cur, base := fixture(), fixture()
	base.Hosts[0].Findings = base.Hosts[0].Findings[:1]
	Diff(cur, base)
	page := renderHTML(t, cur)
	for _, want := range []string{"new findings", "resolved findings", "newly unreachable", "Since the baseline: 1 new finding(s)"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(renderHTML(t, fixture()), "Since the baseline") {
		t.Error("page without a baseline shows changes")
	}
}

// bigReport is a fleet of n hosts: most clean, every tenth with findings.
func bigReport(n int) *result.Report {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	r := &result.Report{Schema: result.Schema, StartedAt: t0, FinishedAt: t0.Add(time.Minute), ClientIPs: []string{"203.0.113.7"}}
	r.Hosts = make([]result.Host, n)
	for i := range r.Hosts {
		h := result.Host{
			Name: fmt.Sprintf("host-%05d", i), Address: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), Port: 22,
			User: "root", Groups: []string{fmt.Sprintf("group-%d", i%20)},
			Probe:     result.Probe{Symptom: result.SymptomOK, Banner: "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", DurationMS: int64(30 + i%50)},
			Collected: true,
			Coverage:  map[string]string{"sshd": "ok", "logs": "ok", "firewall": "ok", "fail2ban": "ok", "resources": "ok"},
		}
		if i%10 == 0 {
			h.Findings = []result.Finding{{
				Cause: result.CauseFail2banBan, Severity: result.Critical, Status: result.Observed, ClientIP: "203.0.113.7",
				Title:    "fail2ban has banned client 203.0.113.7",
				Evidence: []string{fmt.Sprintf("sshd jail: %d currently banned", i%7+1)},
				Fix:      []string{"fail2ban-client set sshd unbanip 203.0.113.7", "add 203.0.113.7 to ignoreip in jail.local"},
				Why:      "fail2ban rejects a banned address before sshd sees it, so the client sees connection refused.",
			}}
		}
		r.Hosts[i] = h
	}
	r.Summarize()
	return r
}

func TestWriteHTMLScales(t *testing.T) {
	page := renderHTML(t, bigReport(2000))
	// The data is embedded once and rows are drawn by script: no per-host
	// markup, and the repeated texts are stored once.
	if n := strings.Count(page, "fail2ban has banned client"); n != 1 {
		t.Errorf("repeated title appears %d times, want once", n)
	}
	if n := strings.Count(page, "<tr"); n > 10 {
		t.Errorf("%d <tr> in the static page: rows must be rendered lazily", n)
	}
	if perHost := len(page) / 2000; perHost > 400 {
		t.Errorf("%d bytes per host, want at most 400", perHost)
	}
}

func BenchmarkWriteHTML10k(b *testing.B) {
	r := bigReport(10000)
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := WriteHTML(&buf, r); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes")
}
