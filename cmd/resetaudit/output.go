package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/resetaudit/resetaudit/audit"
	"github.com/resetaudit/resetaudit/inventory"
	"github.com/resetaudit/resetaudit/report"
	"github.com/resetaudit/resetaudit/result"
)

// runAudit runs the sweep and writes every requested output.
func runAudit(ctx context.Context, hosts []inventory.Host, opts audit.Options, o *outputFlags, stdout, stderr io.Writer) (int, error) {
	h, err := openHistory(o, stderr)
	if err != nil {
		return 2, err
	}
	if !o.quiet && isTerminal(stderr) {
		p := newProgress(stderr)
		opts.Progress = p.update
		defer p.finish()
	}
	rep := audit.Run(ctx, hosts, opts)
	return emit(h.compare(rep), o, h.state, stdout, stderr)
}

// history is what a run is compared with and where it is kept: the
// --state-dir, and the baseline (--baseline, else the state's latest).
type history struct {
	state    *report.StateDir
	baseline *result.Report
}

func openHistory(o *outputFlags, stderr io.Writer) (history, error) {
	var h history
	if o.stateDir != "" {
		var err error
		if h.state, err = report.OpenStateDir(o.stateDir, o.keep); err != nil {
			return h, usageErr("--state-dir: %v", err)
		}
		for _, w := range h.state.Warnings {
			fmt.Fprintf(stderr, "resetaudit: warning: %s\n", w)
		}
	}
	path := o.baseline
	if path == "" && h.state != nil {
		p, ok, err := h.state.Latest()
		if err != nil {
			return h, usageErr("--state-dir: %v", err)
		}
		if ok {
			path = p
		}
	}
	if path == "" {
		return h, nil
	}
	b, err := readReportFile(path)
	if err != nil {
		return h, usageErr("--baseline: %v", err)
	}
	b.Baseline = path
	h.baseline = b
	return h, nil
}

// compare marks rep's changes since the baseline, if there is one.
func (h history) compare(rep *result.Report) *result.Report {
	if h.baseline != nil {
		rep.Baseline = h.baseline.Baseline // the baseline's path
		report.Diff(rep, h.baseline)
	}
	return rep
}

// readReportFile reads a JSON report file.
func readReportFile(path string) (*result.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return report.ReadJSON(f, path)
}

// emit writes the table or summary, the report files and the state, and
// computes the exit status.
func emit(rep *result.Report, o *outputFlags, state *report.StateDir, stdout, stderr io.Writer) (int, error) {
	if o.quiet {
		if o.json != "-" && o.csv != "-" && o.html != "-" {
			fmt.Fprintln(stdout, report.SummaryLine(rep))
		} else {
			fmt.Fprintln(stderr, report.SummaryLine(rep))
		}
	} else {
		if err := report.WriteTable(stdout, rep, report.TableOptions{Color: wantColor(o.color, stdout)}); err != nil {
			return 2, err
		}
	}
	writers := []struct {
		path  string
		write func(io.Writer, *result.Report) error
	}{
		{o.json, report.WriteJSON},
		{o.csv, report.WriteCSV},
		{o.html, report.WriteHTML},
	}
	for _, w := range writers {
		if w.path == "" {
			continue
		}
		if err := writeFile(w.path, stdout, func(wr io.Writer) error { return w.write(wr, rep) }); err != nil {
			return 2, err
		}
	}
	if state != nil {
		if _, err := state.Save(rep); err != nil {
			return 2, fmt.Errorf("--state-dir: %w", err)
		}
	}
	return exitCode(rep, o.failOn), nil
}

// exitCode is 1 when a finding is at or above failOn.
func exitCode(rep *result.Report, failOn string) int {
	if failOn == "never" {
		return 0
	}
	if rep.Worst() >= result.Severity(failOn).Rank() {
		return 1
	}
	return 0
}

// writeFile writes atomically through a temporary file, or to stdout for "-".
func writeFile(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "-" {
		return write(stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".resetaudit-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func wantColor(mode string, w io.Writer) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	return isTerminal(w)
}
