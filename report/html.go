package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/resetaudit/resetaudit/result"
	"github.com/resetaudit/resetaudit/templates"
)

// WriteHTML writes r as one self-contained HTML page: inline CSS, script and
// SVG, no network access (a Content-Security-Policy allows only the page's
// own style and script, by hash). The summary and charts are rendered here;
// the host table and client sections are drawn by the page's script from the
// report data, which is embedded once as JSON, so a 10,000-host report stays
// small. The script inserts host-supplied text only as text, never as markup.
func WriteHTML(w io.Writer, r *result.Report) error {
	t, err := template.New("report").Parse(templates.ReportHTML)
	if err != nil {
		return fmt.Errorf("report: parsing HTML template: %w", err)
	}
	// The style and script blocks are fixed text. They are taken verbatim
	// through text/template (html/template would escape their "<"), hashed
	// for the policy, and inserted as trusted CSS and JS.
	raw, err := texttemplate.New("report").Parse(templates.ReportHTML)
	if err != nil {
		return fmt.Errorf("report: parsing HTML template: %w", err)
	}
	css, err := staticBlock(raw, "css")
	if err != nil {
		return err
	}
	js, err := staticBlock(raw, "js")
	if err != nil {
		return err
	}
	v := newHTMLView(r)
	v.CSS = template.CSS(css)
	v.JS = template.JS(js)
	v.CSP = fmt.Sprintf("default-src 'none'; style-src %s; script-src %s; img-src data:; base-uri 'none'; form-action 'none'",
		cspHash(css), cspHash(js))
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "page", v); err != nil {
		return fmt.Errorf("report: rendering HTML: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("report: writing HTML: %w", err)
	}
	return nil
}

// staticBlock renders a template block that holds fixed text (the page's CSS
// or script), so that its hash can go into the Content-Security-Policy.
func staticBlock(t *texttemplate.Template, name string) (string, error) {
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, name, nil); err != nil {
		return "", fmt.Errorf("report: rendering HTML %s: %w", name, err)
	}
	return b.String(), nil
}

func cspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// htmlView is what the template sees.
type htmlView struct {
	CSP     string
	CSS     template.CSS
	JS      template.JS
	Started string
	Period  string
	Auditor string
	Report  *result.Report
	Summary result.Summary
	Cards   []card
	// Baseline is set when the report was compared with one.
	Baseline         bool
	NewlyUnreachable int
	NewHosts         int
	BySeverity       chart
	ByCause          chart
	Data             pageData
}

type card struct {
	Label, Class string
	Value        int
}

// chart is a horizontal SVG bar chart.
type chart struct {
	Height int
	Bars   []bar
}

type bar struct {
	Label, Class string
	Count        int
	Y, TextY, W  int
	CountX       int
}

const (
	chartBarX   = 180
	chartBarMax = 300
	chartRow    = 24
)

func newChart(labels []string, counts map[string]int, class func(string) string) chart {
	maxN := 0
	for _, l := range labels {
		maxN = max(maxN, counts[l])
	}
	c := chart{Height: len(labels)*chartRow + 8}
	for i, l := range labels {
		n := counts[l]
		w := 0
		if maxN > 0 {
			w = max(n*chartBarMax/maxN, 2)
		}
		y := 4 + i*chartRow
		c.Bars = append(c.Bars, bar{Label: l, Class: class(l), Count: n, Y: y, TextY: y + 15, W: w, CountX: chartBarX + w + 6})
	}
	return c
}

var severities = []result.Severity{result.Critical, result.High, result.Medium, result.Low, result.Info}

func newHTMLView(r *result.Report) *htmlView {
	c := *r
	c.Summarize()
	s := c.Summary
	v := &htmlView{Report: r, Summary: s, Baseline: r.Baseline != ""}
	v.Started = formatTime(r.StartedAt)
	if !r.StartedAt.IsZero() && !r.FinishedAt.IsZero() {
		v.Period = r.FinishedAt.Sub(r.StartedAt).Round(time.Second).String()
	}
	v.Auditor = strings.Join(r.Auditor.SourceAddresses, ", ")
	v.NewlyUnreachable = newlyUnreachable(r)
	for _, h := range r.Hosts {
		if h.Change == ChangeHostNew {
			v.NewHosts++
		}
	}
	v.Cards = []card{
		{Label: "hosts audited", Value: s.Hosts},
		{Label: "reachable", Value: s.Reachable},
		{Label: "collected", Value: s.Collected},
		{Label: "with findings", Value: s.WithFindings, Class: "warn"},
		{Label: "critical findings", Value: s.BySeverity[string(result.Critical)], Class: "sev-critical"},
		{Label: "high findings", Value: s.BySeverity[string(result.High)], Class: "sev-high"},
	}
	sevLabels := make([]string, len(severities))
	for i, sev := range severities {
		sevLabels[i] = string(sev)
	}
	v.BySeverity = newChart(sevLabels, s.BySeverity, func(l string) string { return "sev-" + l })
	causes := make([]string, 0, len(s.ByCause))
	for cause := range s.ByCause {
		causes = append(causes, cause)
	}
	sort.Slice(causes, func(i, j int) bool {
		if s.ByCause[causes[i]] != s.ByCause[causes[j]] {
			return s.ByCause[causes[i]] > s.ByCause[causes[j]]
		}
		return causes[i] < causes[j]
	})
	v.ByCause = newChart(causes, s.ByCause, func(string) string { return "cause" })
	v.Data = newPageData(r)
	return v
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02 15:04 MST")
}

// pageData is the report as the page's script reads it: short keys, and the
// texts that repeat across hosts (titles, fixes, explanations) stored once
// and referred to by index, which keeps large reports small.
type pageData struct {
	Text      []string   `json:"t"`
	Hosts     []pageHost `json:"h"`
	ClientIPs []string   `json:"ips"`
	Baseline  bool       `json:"base"`
}

type pageHost struct {
	Name      string            `json:"n"`
	Address   string            `json:"a"`
	User      string            `json:"u,omitempty"`
	Groups    []string          `json:"g,omitempty"`
	Jump      string            `json:"j,omitempty"`
	Probe     pageProbe         `json:"p"`
	Collected bool              `json:"c"`
	Coverage  map[string]string `json:"cov,omitempty"`
	Findings  []pageFinding     `json:"f,omitempty"`
	Resolved  []pageFinding     `json:"r,omitempty"`
	Change    string            `json:"ch,omitempty"`
	Vantages  []pageVantage     `json:"v,omitempty"`
	OS        string            `json:"os,omitempty"`
	SSH       string            `json:"ssh,omitempty"`
}

type pageProbe struct {
	Symptom   string `json:"s"`
	Detail    string `json:"d,omitempty"`
	Banner    string `json:"b,omitempty"`
	MS        int64  `json:"ms"`
	Source    string `json:"src,omitempty"`
	Privilege string `json:"priv,omitempty"`
}

type pageVantage struct {
	Auditor string    `json:"a"`
	Probe   pageProbe `json:"p"`
}

type pageFinding struct {
	Cause    string   `json:"c"`
	Severity string   `json:"s"`
	Status   string   `json:"st"`
	Title    int      `json:"t"`
	Evidence []string `json:"e,omitempty"`
	Fix      []int    `json:"x,omitempty"`
	Why      int      `json:"w"`
	ClientIP string   `json:"ip,omitempty"`
	Change   string   `json:"ch,omitempty"`
}

type interner struct {
	text []string
	at   map[string]int
}

func (in *interner) id(s string) int {
	if i, ok := in.at[s]; ok {
		return i
	}
	in.at[s] = len(in.text)
	in.text = append(in.text, s)
	return len(in.text) - 1
}

func newPageData(r *result.Report) pageData {
	in := &interner{text: []string{""}, at: map[string]int{"": 0}}
	d := pageData{Hosts: make([]pageHost, len(r.Hosts)), ClientIPs: nonNil(r.ClientIPs), Baseline: r.Baseline != ""}
	findings := func(fs []result.Finding) []pageFinding {
		out := make([]pageFinding, len(fs))
		for i, f := range fs {
			pf := pageFinding{Cause: f.Cause, Severity: string(f.Severity), Status: string(f.Status),
				Title: in.id(f.Title), Evidence: f.Evidence, Why: in.id(f.Why), ClientIP: f.ClientIP, Change: f.Change}
			for _, x := range f.Fix {
				pf.Fix = append(pf.Fix, in.id(x))
			}
			out[i] = pf
		}
		return out
	}
	for i, h := range r.Hosts {
		ph := pageHost{Name: h.Name, Address: hostPort(h), User: h.User, Groups: h.Groups, Jump: h.Jump,
			Probe: newPageProbe(h.Probe), Collected: h.Collected, Coverage: h.Coverage,
			Findings: findings(h.Findings), Resolved: findings(h.Resolved), Change: h.Change, OS: h.OS, SSH: h.SSHVersion}
		for _, v := range h.Vantages {
			ph.Vantages = append(ph.Vantages, pageVantage{Auditor: v.Auditor, Probe: newPageProbe(v.Probe)})
		}
		d.Hosts[i] = ph
	}
	d.Text = in.text
	return d
}

func newPageProbe(p result.Probe) pageProbe {
	return pageProbe{Symptom: string(p.Symptom), Detail: p.Detail, Banner: p.Banner, MS: p.DurationMS,
		Source: p.SourceAddress, Privilege: p.Privilege}
}
