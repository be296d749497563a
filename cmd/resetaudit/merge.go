package main

import (
	"context"
	"flag"
	"io"
	"os"

	"github.com/resetaudit/resetaudit/report"
	"github.com/resetaudit/resetaudit/result"
)

func mergeCmd(_ context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	var o outputFlags
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o.register(fs)
	if err := parseFlags(fs, args, stderr); err != nil {
		return 2, err
	}
	if err := o.validate(); err != nil {
		return 2, err
	}
	if fs.NArg() == 0 {
		return 2, usageErr("merge: name at least one JSON report")
	}
	var reps []*result.Report
	for _, path := range fs.Args() {
		f, err := os.Open(path)
		if err != nil {
			return 2, usageErr("merge: %v", err)
		}
		r, err := report.ReadJSON(f, path)
		f.Close()
		if err != nil {
			return 2, usageErr("merge: %v", err)
		}
		reps = append(reps, r)
	}
	merged := report.Merge(reps)
	var state *report.StateDir
	if o.stateDir != "" {
		var err error
		if state, err = report.OpenStateDir(o.stateDir, o.keep); err != nil {
			return 2, usageErr("--state-dir: %v", err)
		}
	}
	baseline, err := loadBaseline(&o, state)
	if err != nil {
		return 2, err
	}
	if baseline != nil {
		merged.Baseline = baseline.Baseline
		report.Diff(merged, baseline)
	}
	return emit(merged, &o, state, stdout, stderr)
}
