package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/skeema/knownhosts"
	"golang.org/x/crypto/ssh"

	"github.com/resetaudit/resetaudit/result"
)

// The classifiers below turn an error at one stage of a connection into a
// probe. Which stage failed decides the symptom; the error only refines it.

func probe(s result.Symptom, format string, args ...any) result.Probe {
	return result.Probe{Symptom: s, Detail: clean(fmt.Sprintf(format, args...), maxDetail)}
}

// timedOut reports whether err is a timeout or ctx has ended, in which case
// any error (such as a read on a connection closed by the deadline) is the
// deadline's doing.
func timedOut(ctx context.Context, err error) bool {
	var ne net.Error
	return ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) ||
		errors.As(err, &ne) && ne.Timeout()
}

func deadlineText(ctx context.Context) string {
	if errors.Is(ctx.Err(), context.Canceled) {
		return "canceled"
	}
	return "deadline reached"
}

// classifyConnect classifies a failed TCP connect.
func classifyConnect(ctx context.Context, err error) result.Probe {
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return probe(result.SymptomRefused, "connection refused")
	case errors.Is(err, syscall.ECONNRESET):
		// A reset after the SYN was answered; a reset to the SYN itself
		// reads as refused.
		return probe(result.SymptomResetBeforeBanner, "connection reset while connecting")
	case errors.Is(err, syscall.EHOSTUNREACH):
		return probe(result.SymptomConnectTimeout, "no route to host (EHOSTUNREACH)")
	case errors.Is(err, syscall.ENETUNREACH):
		return probe(result.SymptomConnectTimeout, "network unreachable (ENETUNREACH)")
	case errors.As(err, &dnsErr):
		return probe(result.SymptomConnectTimeout, "cannot resolve %s: %s", dnsErr.Name, dnsErr.Err)
	case timedOut(ctx, err):
		return probe(result.SymptomConnectTimeout, "no TCP connection (%s)", deadlineText(ctx))
	}
	return probe(result.SymptomConnectTimeout, "connect: %v", err)
}

// classifyBanner classifies a failure to read the server's version line.
func classifyBanner(ctx context.Context, err error, br bannerResult) result.Probe {
	said := ""
	if s := clean(br.other, maxDetail/2); s != "" {
		said = fmt.Sprintf("; the server sent %q", s)
	}
	switch {
	case errors.Is(err, syscall.ECONNRESET):
		return probe(result.SymptomResetBeforeBanner, "connection reset before the SSH banner%s", said)
	case errors.Is(err, errNoBanner):
		return probe(result.SymptomClosedBeforeBanner, "no SSH version line in the first %d bytes%s", maxPreBanner, said)
	case timedOut(ctx, err):
		return probe(result.SymptomBannerTimeout, "TCP connected, but no SSH banner arrived (%s)%s", deadlineText(ctx), said)
	case errors.Is(err, io.EOF):
		return probe(result.SymptomClosedBeforeBanner, "connection closed before the SSH banner%s", said)
	}
	return probe(result.SymptomResetBeforeBanner, "reading the SSH banner: %v%s", err, said)
}

// classifyHandshake classifies a failure of ssh.NewClientConn, after a
// banner was read. hkErr and hkKey are what the host-key callback saw, if it
// ran; kexPassed is set when the host key was accepted, so that a later
// failure happened during authentication.
func classifyHandshake(ctx context.Context, err error, addr, user string, hkErr error, hkKey ssh.PublicKey, kexPassed bool, keyProblems []string) result.Probe {
	var neg *ssh.AlgorithmNegotiationError
	switch {
	case hkErr != nil && knownhosts.IsHostKeyChanged(hkErr):
		return probe(result.SymptomHostKeyChanged, "%s", describeKeyError(addr, hkKey, hkErr))
	case hkErr != nil && knownhosts.IsHostUnknown(hkErr):
		return probe(result.SymptomHostKeyUnknown, "%s", describeKeyError(addr, hkKey, hkErr))
	case hkErr != nil:
		return probe(result.SymptomHostKeyUnknown, "host key not accepted: %v", hkErr)
	case errors.As(err, &neg):
		return probe(result.SymptomKexFailed, "no common %s algorithm; the server offered %s; we offered %s",
			neg.What, strings.Join(neg.RequestedAlgorithms, ","), strings.Join(neg.SupportedAlgorithms, ","))
	case strings.Contains(err.Error(), "unable to authenticate"):
		d := fmt.Sprintf("user %s: %v", user, err)
		if len(keyProblems) > 0 {
			d += "; " + strings.Join(keyProblems, "; ")
		}
		return probe(result.SymptomAuthFailed, "%s", d)
	}
	stage := "during key exchange"
	if kexPassed {
		stage = "after key exchange, during authentication"
		if timedOut(ctx, err) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) {
			what := "the server closed the connection"
			if timedOut(ctx, err) {
				what = "the deadline passed"
			}
			p := probe(result.SymptomAuthFailed, "key exchange completed, then %s during authentication without refusing the login", what)
			p.AuthStalled = true
			return p
		}
	}
	switch {
	case timedOut(ctx, err):
		return probe(result.SymptomResetDuringKex, "%s %s", deadlineText(ctx), stage)
	case errors.Is(err, syscall.ECONNRESET):
		return probe(result.SymptomResetDuringKex, "connection reset %s", stage)
	case errors.Is(err, io.EOF):
		return probe(result.SymptomResetDuringKex, "connection closed %s", stage)
	}
	return probe(result.SymptomResetDuringKex, "%s: %v", stage, err)
}

// classifyChannelOpen classifies a failure of a bastion to connect onward.
func classifyChannelOpen(ctx context.Context, err error, bastion string) result.Probe {
	var oce *ssh.OpenChannelError
	switch {
	case errors.As(err, &oce) && strings.Contains(strings.ToLower(oce.Message), "refused"):
		return probe(result.SymptomRefused, "via %s: %s", bastion, oce.Message)
	case errors.As(err, &oce):
		return probe(result.SymptomConnectTimeout, "via %s: %s (%s)", bastion, oce.Message, oce.Reason)
	case timedOut(ctx, err):
		return probe(result.SymptomConnectTimeout, "via %s: no connection (%s)", bastion, deadlineText(ctx))
	}
	return probe(result.SymptomConnectTimeout, "via %s: %v", bastion, err)
}
