// Command bare is the reference client of the benchmarks: the least work an
// auditor can do to run resetaudit's payload on every host. It dials with
// golang.org/x/crypto/ssh, keeps N hosts in flight, opens one session per
// host running facts.RemoteCommand with facts.Script on stdin, reads all the
// output and discards it. It parses nothing and reports nothing, so its wall
// time and CPU are the "physical limit" the full sweep is compared with.
//
// Usage:
//
//	bare --inventory FILE --known-hosts FILE --identity KEY [--concurrency 50] [--timeout 20s]
//	bare --print-payload | --print-command
//
// The inventory holds lines `user@addr:port ...` (the rest of the line is
// ignored). It prints one line of key=value pairs: hosts, ok, failed,
// wall_s, cpu_s (user+system of this process), cpu_ms_per_host, bytes.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/resetaudit/resetaudit/facts"
)

type target struct{ user, addr string }

func main() {
	inv := flag.String("inventory", "", "plain inventory `FILE` (user@addr:port per line)")
	known := flag.String("known-hosts", "", "known_hosts `FILE`")
	identity := flag.String("identity", "", "private key `FILE`")
	conc := flag.Int("concurrency", 50, "hosts in flight")
	timeout := flag.Duration("timeout", 20*time.Second, "deadline per host")
	payload := flag.Bool("print-payload", false, "print the payload (facts.Script, fed to the remote command's stdin) and exit")
	command := flag.Bool("print-command", false, "print the remote command (facts.RemoteCommand) and exit")
	flag.Parse()
	switch {
	case *payload:
		os.Stdout.Write(facts.Script(facts.Params{Nonce: facts.NewNonce()}))
		return
	case *command:
		fmt.Println(facts.RemoteCommand)
		return
	}
	if err := run(*inv, *known, *identity, *conc, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "bare:", err)
		os.Exit(1)
	}
}

func run(inv, known, identity string, conc int, timeout time.Duration) error {
	targets, err := readInventory(inv)
	if err != nil {
		return err
	}
	hk, err := knownhosts.New(known)
	if err != nil {
		return fmt.Errorf("known hosts: %w", err)
	}
	pem, err := os.ReadFile(identity)
	if err != nil {
		return err
	}
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		return fmt.Errorf("identity %s: %w", identity, err)
	}
	script := facts.Script(facts.Params{Nonce: facts.NewNonce()})

	cpu0 := cpuTime()
	start := time.Now()
	var ok, failed, nbytes atomic.Int64
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for _, t := range targets {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			cfg := &ssh.ClientConfig{
				User:              t.user,
				Auth:              []ssh.AuthMethod{ssh.PublicKeys(signer)},
				HostKeyCallback:   hk,
				HostKeyAlgorithms: []string{ssh.KeyAlgoED25519},
				Timeout:           timeout,
			}
			n, err := one(t.addr, cfg, script, timeout)
			nbytes.Add(n)
			if err != nil {
				failed.Add(1)
				fmt.Fprintf(os.Stderr, "bare: %s: %v\n", t.addr, err)
				return
			}
			ok.Add(1)
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	cpu := cpuTime() - cpu0
	fmt.Printf("hosts=%d ok=%d failed=%d wall_s=%.3f cpu_s=%.3f cpu_ms_per_host=%.2f bytes=%d\n",
		len(targets), ok.Load(), failed.Load(), wall.Seconds(), cpu.Seconds(),
		float64(cpu.Milliseconds())/float64(max(len(targets), 1)), nbytes.Load())
	return nil
}

// one runs the payload on one host under a single deadline and returns the
// number of output bytes read.
func one(addr string, cfg *ssh.ClientConfig, script []byte, timeout time.Duration) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	sc, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	if err != nil {
		return 0, err
	}
	c := ssh.NewClient(sc, chans, reqs)
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		return 0, err
	}
	defer s.Close()
	out, err := s.StdoutPipe()
	if err != nil {
		return 0, err
	}
	s.Stderr = io.Discard
	s.Stdin = bytes.NewReader(script)
	if err := s.Start(facts.RemoteCommand); err != nil {
		return 0, err
	}
	n, err := io.Copy(io.Discard, out)
	if err != nil {
		return n, err
	}
	if err := s.Wait(); err != nil {
		var exit *ssh.ExitError
		if !errors.As(err, &exit) { // a non-zero exit still delivered the output
			return n, err
		}
	}
	return n, nil
}

func readInventory(path string) ([]target, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ts []target
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		user, addr, ok := strings.Cut(fields[0], "@")
		if !ok {
			return nil, fmt.Errorf("%s: %q: want user@addr:port", path, fields[0])
		}
		ts = append(ts, target{user: user, addr: addr})
	}
	return ts, sc.Err()
}

// cpuTime is the user+system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
