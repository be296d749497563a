package inventory

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/kevinburke/ssh_config"
)

// maxJumpDepth bounds the ProxyJump chains followed through the config.
const maxJumpDepth = 8

var sshConfigErr = regexp.MustCompile(`^\((\d+), \d+\): (.*)$`)

// parseSSHConfig reads an OpenSSH client configuration. Every alias of a
// Host line that is not a pattern (no '*', '?' or '!') is a host, with
// HostName, User, Port, IdentityFile and ProxyJump as ssh itself would
// resolve them for that alias, "Host *" defaults included. Jump hosts are
// resolved through the same configuration, as ssh does. Settings in Included
// files apply, but only the Host lines of this file name hosts.
func parseSSHConfig(b *builder, data []byte) (err error) {
	defer func() {
		// The parser reports some errors by panicking; it is fed untrusted input.
		if r := recover(); r != nil {
			err = b.errorf(0, "invalid ssh_config: %v", r)
		}
	}()
	cfg, err := ssh_config.DecodeBytes(data)
	if err != nil {
		if m := sshConfigErr.FindStringSubmatch(err.Error()); m != nil {
			line, _ := strconv.Atoi(m[1])
			return b.errorf(line, "invalid ssh_config: %s", m[2])
		}
		return b.errorf(0, "invalid ssh_config: %v", err)
	}
	aliases, err := hostAliases(b, data)
	if err != nil {
		return err
	}
	for _, a := range aliases {
		h, err := sshConfigHost(b, cfg, a.name, a.line)
		if err != nil {
			return err
		}
		if err := b.add(a.line, h); err != nil {
			return err
		}
	}
	return nil
}

type sshAlias struct {
	name string
	line int
}

// hostAliases lists the concrete aliases of the Host lines, in file order.
// The ssh_config package keeps no line numbers for Host blocks, hence this scan.
func hostAliases(b *builder, data []byte) ([]sshAlias, error) {
	var out []sshAlias
	seen := map[string]bool{}
	lineNo := 0
	for raw := range bytes.Lines(data) {
		lineNo++
		line := strings.TrimSpace(string(raw))
		key, rest, ok := strings.Cut(line, " ")
		if k, r, eq := strings.Cut(line, "="); eq && (!ok || len(k) < len(key)) {
			key, rest, ok = k, r, true
		}
		if !ok || !strings.EqualFold(strings.TrimSpace(key), "host") {
			continue
		}
		rest = strings.TrimLeft(rest, " \t=")
		rest, _, _ = strings.Cut(rest, "#")
		for _, pat := range strings.Fields(rest) {
			pat = strings.Trim(pat, `"`)
			if pat == "" || strings.ContainsAny(pat, "*?!") || seen[pat] {
				continue
			}
			if err := checkName(pat); err != nil {
				return nil, b.errorf(lineNo, "Host alias: %v", err)
			}
			seen[pat] = true
			out = append(out, sshAlias{pat, lineNo})
		}
	}
	return out, nil
}

func sshConfigHost(b *builder, cfg *ssh_config.Config, alias string, line int) (Host, error) {
	h := Host{Name: alias}
	fail := func(err error) (Host, error) {
		return h, b.errorf(line, "host %q: %v", alias, err)
	}
	get := func(key string) string {
		v, _ := cfg.Get(alias, key)
		return strings.TrimSpace(v)
	}
	hop, err := resolveHop(cfg, Hop{Address: alias})
	if err != nil {
		return fail(err)
	}
	h.Address, h.User, h.Port = hop.Address, hop.User, hop.Port
	if h.Jump, err = resolveJump(cfg, alias, 0); err != nil {
		return fail(fmt.Errorf("ProxyJump: %w", err))
	}
	if h.Jump == nil && get("ProxyJump") == "" {
		if pc := get("ProxyCommand"); pc != "" && !strings.EqualFold(pc, "none") {
			if hop, ok := hopFromProxyCommand(pc); ok {
				h.Jump = []Hop{hop}
			} else {
				b.warnf(line, "host %q: ProxyCommand %q is not understood; the host will be reached directly", alias, pc)
			}
		}
	}
	ids, _ := cfg.GetAll(alias, "IdentityFile")
	for _, id := range ids {
		if strings.EqualFold(id, "none") {
			continue
		}
		id = expandPath(id, h.Address, h.User)
		if err := checkIdentity(id); err != nil {
			return fail(fmt.Errorf("IdentityFile: %w", err))
		}
		h.Identities = append(h.Identities, id)
	}
	return h, nil
}

// resolveHop applies the HostName, User and Port of the configuration to a
// host named as hop.Address, where hop does not set them itself.
func resolveHop(cfg *ssh_config.Config, hop Hop) (Hop, error) {
	alias := hop.Address
	get := func(key string) string {
		v, _ := cfg.Get(alias, key)
		return strings.TrimSpace(v)
	}
	if name := get("HostName"); name != "" {
		hop.Address = strings.ReplaceAll(strings.ReplaceAll(name, "%h", alias), "%%", "%")
	}
	if err := checkAddress(hop.Address); err != nil {
		return hop, fmt.Errorf("HostName: %w", err)
	}
	if hop.User == "" {
		if hop.User = get("User"); hop.User != "" {
			if err := checkUser(hop.User); err != nil {
				return hop, fmt.Errorf("User: %w", err)
			}
		}
	}
	if hop.Port == 0 {
		if p := get("Port"); p != "" {
			port, err := parsePort(p)
			if err != nil {
				return hop, fmt.Errorf("Port: %w", err)
			}
			hop.Port = port
		}
	}
	return hop, nil
}

// resolveJump returns the full bastion chain for alias: each bastion is
// resolved through the configuration, and its own ProxyJump comes before it.
func resolveJump(cfg *ssh_config.Config, alias string, depth int) ([]Hop, error) {
	v, _ := cfg.Get(alias, "ProxyJump")
	v = strings.TrimSpace(v)
	if v == "" || strings.EqualFold(v, "none") {
		return nil, nil
	}
	if depth >= maxJumpDepth {
		return nil, fmt.Errorf("jump chain longer than %d hops, or a loop", maxJumpDepth)
	}
	hops, err := parseJump(v)
	if err != nil {
		return nil, err
	}
	var chain []Hop
	for i, hop := range hops {
		if i == 0 {
			// Only the first hop's own ProxyJump applies: ssh reaches each
			// later hop through the ones before it.
			before, err := resolveJump(cfg, hop.Address, depth+1)
			if err != nil {
				return nil, err
			}
			chain = append(chain, before...)
		}
		if hop, err = resolveHop(cfg, hop); err != nil {
			return nil, err
		}
		chain = append(chain, hop)
	}
	return chain, nil
}

// expandPath expands the %d, %h, %r and %% tokens of an IdentityFile, as
// ssh does; other tokens are left alone. The leading ~ is expanded for all
// formats by normalize.
func expandPath(p, host, user string) string {
	home, _ := os.UserHomeDir()
	return strings.NewReplacer("%%", "%", "%d", cmp.Or(home, "%d"), "%h", host, "%r", cmp.Or(user, "%r")).Replace(p)
}
