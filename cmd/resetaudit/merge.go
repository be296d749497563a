package main

import (
	"context"
	"flag"
	"io"

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
		r, err := readReportFile(path)
		if err != nil {
			return 2, usageErr("merge: %v", err)
		}
		reps = append(reps, r)
	}
	h, err := openHistory(&o, stderr)
	if err != nil {
		return 2, err
	}
	return emit(h.compare(report.Merge(reps)), &o, h.state, stdout, stderr)
}
