package report

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"

	"github.com/resetaudit/resetaudit/result"
)

// TableOptions controls WriteTable.
type TableOptions struct {
	// Color enables ANSI colours; the caller decides (a terminal, NO_COLOR).
	Color bool
	// Width is the terminal width; 0 means unlimited.
	Width int
}

// Cell and line limits, in runes, for host-supplied text.
const (
	maxCell   = 40
	maxDetail = 160
)

// WriteTable writes the terminal view of r: one table row per host, a short
// detail block for each host with a finding at medium or above, a line per
// client IP naming the hosts that block it, and the summary line. Every
// host-supplied string is stripped of control characters and escape
// sequences before it is printed.
func WriteTable(w io.Writer, r *result.Report, o TableOptions) error {
	header := []string{"host", "address", "probe", "top cause", "severity", "findings", "change", "coverage gaps"}
	rows := make([][]string, len(r.Hosts))
	sevs := make([]result.Severity, len(r.Hosts))
	for i, h := range r.Hosts {
		cause, sev := "-", "-"
		if f, ok := h.Top(); ok {
			cause, sev, sevs[i] = cell(f.Cause, maxCell), cell(string(f.Severity), maxCell), f.Severity
		}
		rows[i] = []string{
			cell(h.Name, maxCell),
			cell(hostPort(h), maxCell),
			cell(string(h.Probe.Symptom), maxCell),
			cause,
			sev,
			strconv.Itoa(len(h.Findings)),
			cell(changeOf(h), maxCell),
			cell(strings.Join(gaps(h), ","), maxCell),
		}
	}
	fitColumns(header, rows, o.Width)
	t := table.NewWriter()
	t.SetStyle(table.StyleLight)
	if o.Width > 0 {
		// A last guard: fitColumns counts runes, some of which are wide.
		t.Style().Size.WidthMax = o.Width
	}
	t.SetColumnConfigs([]table.ColumnConfig{{Number: 6, Align: text.AlignRight}})
	t.AppendHeader(toRow(header))
	for i, row := range rows {
		if sevs[i] != "" {
			row[4] = paint(o, sevs[i], row[4])
		}
		t.AppendRow(toRow(row))
	}
	var b strings.Builder
	b.WriteString(t.Render())
	b.WriteString("\n")
	writeDetails(&b, r, o)
	writeClients(&b, r, o)
	b.WriteString("\n")
	b.WriteString(SummaryLine(r))
	b.WriteString("\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("report: writing table: %w", err)
	}
	return nil
}

func toRow(cells []string) table.Row {
	row := make(table.Row, len(cells))
	for i, c := range cells {
		row[i] = c
	}
	return row
}

// fitColumns shortens the cells of the wide, free-text columns until the
// table fits in width runes, never below minFit runes a column.
func fitColumns(header []string, rows [][]string, width int) {
	if width <= 0 {
		return
	}
	const minFit = 8
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = utf8.RuneCountInString(h)
	}
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	total := 3*len(widths) + 1
	for _, w := range widths {
		total += w
	}
	flexible := []int{0, 1, 7, 3, 2, 6} // host, address, gaps, cause, probe, change
	for total > width {
		widest := -1
		for _, i := range flexible {
			if widths[i] > minFit && (widest < 0 || widths[i] > widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break
		}
		widths[widest]--
		total--
	}
	for i := range header {
		header[i] = truncate(header[i], widths[i])
	}
	for _, row := range rows {
		for i := range row {
			row[i] = truncate(row[i], widths[i])
		}
	}
}

// changeOf is the table's change column: the host's own change, else how
// many of its findings are new, else how many were resolved.
func changeOf(h result.Host) string {
	if h.Change != "" {
		return h.Change
	}
	n := 0
	for _, f := range h.Findings {
		if f.Change == result.ChangeNew {
			n++
		}
	}
	var parts []string
	if n > 0 {
		parts = append(parts, strconv.Itoa(n)+" new")
	}
	if len(h.Resolved) > 0 {
		parts = append(parts, strconv.Itoa(len(h.Resolved))+" resolved")
	}
	return strings.Join(parts, ", ")
}

func writeDetails(b *strings.Builder, r *result.Report, o TableOptions) {
	width := maxDetail
	if o.Width > 0 && o.Width < width {
		width = o.Width
	}
	for _, h := range r.Hosts {
		var shown []result.Finding
		for _, f := range h.Findings {
			if f.Severity.Rank() >= result.Medium.Rank() {
				shown = append(shown, f)
			}
		}
		if len(shown) == 0 {
			continue
		}
		sort.SliceStable(shown, func(i, j int) bool { return shown[i].Severity.Rank() > shown[j].Severity.Rank() })
		fmt.Fprintf(b, "\n%s (%s)\n", cell(h.Name, maxCell), cell(hostPort(h), maxCell))
		for _, f := range shown {
			line := fmt.Sprintf("  [%s] %s: %s", f.Severity, Terminal(f.Cause), Terminal(f.Title))
			if f.ClientIP != "" && !strings.Contains(f.Title, f.ClientIP) {
				line += " (client " + Terminal(f.ClientIP) + ")"
			}
			b.WriteString(paint(o, f.Severity, truncate(line, width)))
			b.WriteString("\n")
			if len(f.Evidence) > 0 {
				b.WriteString(truncate("    evidence: "+Terminal(f.Evidence[0]), width) + "\n")
			}
			if len(f.Fix) > 0 {
				b.WriteString(truncate("    fix: "+Terminal(f.Fix[0]), width) + "\n")
			}
		}
	}
}

// writeClients writes, for every client IP, the hosts that block it and by
// which causes.
func writeClients(b *strings.Builder, r *result.Report, o TableOptions) {
	for _, c := range clientBlocks(r) {
		if len(c.Hosts) == 0 {
			fmt.Fprintf(b, "\nclient %s: no block found", Terminal(c.IP))
			if c.Unchecked > 0 {
				fmt.Fprintf(b, " (%d hosts could not be checked)", c.Unchecked)
			}
			b.WriteString("\n")
			continue
		}
		parts := make([]string, len(c.Hosts))
		for i, h := range c.Hosts {
			parts[i] = fmt.Sprintf("%s (%s)", cell(h.Name, maxCell), Terminal(strings.Join(h.Causes, ", ")))
		}
		line := fmt.Sprintf("\nclient %s: blocked on %s: %s", Terminal(c.IP), plural(len(c.Hosts), "host"), strings.Join(parts, ", "))
		if o.Width > 0 {
			line = truncate(line, o.Width)
		}
		b.WriteString(line + "\n")
	}
}

// clientBlock is one client IP and the hosts whose findings concern it.
type clientBlock struct {
	IP        string
	Hosts     []blockingHost
	Unchecked int // hosts that were not collected, so may block it unseen
}

type blockingHost struct {
	Name   string
	Causes []string
}

// clientBlocks lists the report's client IPs (and any other address a
// finding names) with the hosts that block each.
func clientBlocks(r *result.Report) []clientBlock {
	seen := map[string]bool{}
	ips := appendNew(nil, seen, r.ClientIPs...)
	var extra []string
	for _, h := range r.Hosts {
		for _, f := range h.Findings {
			if f.ClientIP != "" && !seen[f.ClientIP] {
				seen[f.ClientIP] = true
				extra = append(extra, f.ClientIP)
			}
		}
	}
	sort.Strings(extra)
	ips = append(ips, extra...)
	unchecked := 0
	for _, h := range r.Hosts {
		if !h.Collected {
			unchecked++
		}
	}
	out := make([]clientBlock, len(ips))
	at := make(map[string]int, len(ips))
	for i, ip := range ips {
		out[i] = clientBlock{IP: ip, Unchecked: unchecked}
		at[ip] = i
	}
	for _, h := range r.Hosts {
		causes := map[string][]string{}
		var order []string
		for _, f := range h.Findings {
			if f.ClientIP == "" {
				continue
			}
			if _, ok := causes[f.ClientIP]; !ok {
				order = append(order, f.ClientIP)
			}
			causes[f.ClientIP] = append(causes[f.ClientIP], f.Cause)
		}
		for _, ip := range order {
			c := &out[at[ip]]
			c.Hosts = append(c.Hosts, blockingHost{Name: h.Name, Causes: causes[ip]})
		}
	}
	return out
}

// SummaryLine is the one-line account of r printed with --quiet.
func SummaryLine(r *result.Report) string {
	c := *r
	c.Summarize()
	s := c.Summary
	var b strings.Builder
	fmt.Fprintf(&b, "resetaudit: %s, %d reachable, %d collected, %d with findings",
		plural(s.Hosts, "host"), s.Reachable, s.Collected, s.WithFindings)
	byTop := map[result.Severity]int{}
	for i := range r.Hosts {
		if f, ok := r.Hosts[i].Top(); ok {
			byTop[f.Severity]++
		}
	}
	var parts []string
	for _, sev := range []result.Severity{result.Critical, result.High, result.Medium, result.Low, result.Info} {
		if byTop[sev] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", byTop[sev], sev))
		}
	}
	if len(parts) > 0 {
		b.WriteString(" (" + strings.Join(parts, ", ") + ")")
	}
	if r.Baseline != "" || s.New > 0 || s.Resolved > 0 {
		fmt.Fprintf(&b, ", %d new, %d resolved", s.New, s.Resolved)
	}
	if n := newlyUnreachable(r); n > 0 {
		fmt.Fprintf(&b, ", %d newly unreachable", n)
	}
	if r.Interrupted {
		b.WriteString(", interrupted")
	}
	return b.String()
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// paint colours s by severity when colour is on. The SGR codes are written
// directly: o.Color is the caller's decision, which go-pretty's own
// environment checks (made once, at start-up) must not override.
func paint(o TableOptions, sev result.Severity, s string) string {
	if !o.Color {
		return s
	}
	var sgr string
	switch sev {
	case result.Critical:
		sgr = "\x1b[1;91m"
	case result.High:
		sgr = "\x1b[31m"
	case result.Medium:
		sgr = "\x1b[33m"
	case result.Low:
		sgr = "\x1b[36m"
	default:
		return s
	}
	return sgr + s + "\x1b[0m"
}
