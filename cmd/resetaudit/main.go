// Command resetaudit audits a fleet of Linux servers for the reasons SSH
// connections get reset, refused or dropped, and reports for each host the
// cause, the evidence and the fix.
//
// Usage:
//
//	resetaudit sweep   --inventory FILE [flags]   audit a fleet
//	resetaudit demo    [--hosts N] [flags]        audit a built-in simulated fleet
//	resetaudit merge   [flags] REPORT.json...     combine JSON reports
//	resetaudit causes  [--markdown]               list the cause catalog
//	resetaudit version
//
// Exit status: 0 swept with nothing at or above --fail-on, 1 swept with
// findings at or above it, 2 could not run.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

// exitError carries an exit status out of a subcommand.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

// usageErr makes an exit-2 error.
func usageErr(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	ctx, stop := interruptContext(stderr, os.Exit)
	defer stop()

	var err error
	code := 0
	switch args[0] {
	case "sweep":
		code, err = sweepCmd(ctx, args[1:], stdout, stderr)
	case "demo":
		code, err = demoCmd(ctx, args[1:], stdout, stderr)
	case "merge":
		code, err = mergeCmd(ctx, args[1:], stdout, stderr)
	case "causes":
		code, err = causesCmd(ctx, args[1:], stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "resetaudit %s\n", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "resetaudit: unknown command %q (run 'resetaudit help')\n", args[0])
		return 2
	}
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		} else {
			code = 2
		}
		fmt.Fprintf(stderr, "resetaudit: %v\n", err)
	}
	return code
}

// interruptContext is cancelled by the first SIGINT or SIGTERM, so the sweep
// stops and still writes its reports; a second signal exits at once.
func interruptContext(stderr io.Writer, exit func(int)) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-ch:
		case <-ctx.Done():
			return
		}
		fmt.Fprintln(stderr, "resetaudit: interrupted: finishing reports (press again to exit now)")
		cancel()
		<-ch
		exit(130)
	}()
	return ctx, func() {
		signal.Stop(ch)
		cancel()
	}
}

const usage = `resetaudit audits a fleet for the causes of SSH connection resets.

Usage:
  resetaudit sweep --inventory FILE [flags]   audit a fleet over SSH
  resetaudit demo [--hosts N] [flags]         audit a built-in simulated fleet
  resetaudit merge [flags] REPORT.json...     combine JSON reports of several runs
  resetaudit causes [--markdown]              list the causes resetaudit diagnoses
  resetaudit version

Run 'resetaudit sweep -h' for the flags.
Exit status: 0 nothing at or above --fail-on, 1 findings at or above it, 2 could not run.
`
