package remote

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sync"

	"github.com/skeema/knownhosts"
	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"
)

// hostKeys is the host-key policy: verify against known_hosts, optionally
// record keys of hosts that are not in it, and never accept a changed key.
type hostKeys struct {
	path      string
	acceptNew bool
	override  ssh.HostKeyCallback
	db        *knownhosts.HostKeyDB // nil when the file does not exist

	mu    sync.Mutex
	added map[string]ssh.PublicKey // keys recorded by this run, by normalized host
}

func newHostKeys(path string, acceptNew bool, override ssh.HostKeyCallback) (*hostKeys, error) {
	h := &hostKeys{path: path, acceptNew: acceptNew, override: override, added: map[string]ssh.PublicKey{}}
	if override != nil {
		return h, nil
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return h, nil // every host is unknown
	}
	db, err := knownhosts.NewDB(path)
	if err != nil {
		return nil, fmt.Errorf("known hosts %s: %w", path, err)
	}
	h.db = db
	return h, nil
}

// algorithms returns the host-key algorithms to ask for when dialing
// hostport, so that a server that also has another key type presents the one
// on record rather than reading as a changed key. Nil means the defaults.
func (h *hostKeys) algorithms(hostport string) []string {
	if h.db != nil {
		if a := h.db.HostKeyAlgorithms(hostport); len(a) > 0 {
			return a
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if k, ok := h.added[knownhosts.Normalize(hostport)]; ok {
		return algorithmsForKeyType(k.Type())
	}
	return nil
}

func algorithmsForKeyType(t string) []string {
	if t == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{t}
}

// check is the ssh.HostKeyCallback of the policy.
func (h *hostKeys) check(hostport string, remote net.Addr, key ssh.PublicKey) error {
	if h.override != nil {
		return h.override(hostport, remote, key)
	}
	if h.db != nil {
		err := h.db.HostKeyCallback()(hostport, remote, key)
		if err == nil || !knownhosts.IsHostUnknown(err) {
			return err
		}
	}
	name := knownhosts.Normalize(hostport)
	h.mu.Lock()
	defer h.mu.Unlock()
	if k, ok := h.added[name]; ok {
		if bytes.Equal(k.Marshal(), key.Marshal()) {
			return nil
		}
		return &xknownhosts.KeyError{Want: []xknownhosts.KnownKey{{Key: k, Filename: h.path}}}
	}
	if !h.acceptNew {
		return &xknownhosts.KeyError{}
	}
	if err := h.appendLocked(name, key); err != nil {
		return err
	}
	h.added[name] = key
	return nil
}

// appendLocked records key for name in the known_hosts file; h.mu is held.
func (h *hostKeys) appendLocked(name string, key ssh.PublicKey) error {
	if err := os.MkdirAll(filepath.Dir(h.path), 0o700); err != nil {
		return fmt.Errorf("record host key: %w", err)
	}
	f, err := os.OpenFile(h.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("record host key: %w", err)
	}
	_, err = f.WriteString(knownhosts.Line([]string{name}, key) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("record host key in %s: %w", h.path, err)
	}
	return nil
}

// describeKeyError says what the policy refused, for a probe's Detail.
func describeKeyError(hostport string, key ssh.PublicKey, err error) string {
	var ke *xknownhosts.KeyError
	if !errors.As(err, &ke) {
		return err.Error()
	}
	offered := "no key"
	if key != nil {
		offered = key.Type() + " " + ssh.FingerprintSHA256(key)
	}
	if len(ke.Want) == 0 {
		return fmt.Sprintf("%s is not in known_hosts; it offered %s", hostport, offered)
	}
	w := ke.Want[0]
	return fmt.Sprintf("%s offered %s, but %s:%d records %s %s", hostport, offered,
		w.Filename, w.Line, w.Key.Type(), ssh.FingerprintSHA256(w.Key))
}
