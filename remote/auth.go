package remote

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// keyring holds the private keys and the agent shared by all connections.
type keyring struct {
	base      []ssh.Signer // --identity keys, loaded up front
	agentConn net.Conn     // nil without an agent
	agent     agent.ExtendedAgent
	agentKeys []ssh.Signer

	mu    sync.Mutex
	files map[string]keyFile // per-host identity files, loaded on first use
}

type keyFile struct {
	signer ssh.Signer
	err    error
}

// newKeyring loads the identity files and, when useAgent is set and
// SSH_AUTH_SOCK names a socket, opens the agent once for the whole run.
func newKeyring(identities []string, useAgent bool) (*keyring, error) {
	k := &keyring{files: map[string]keyFile{}}
	if sock := os.Getenv("SSH_AUTH_SOCK"); useAgent && sock != "" {
		c, err := net.Dial("unix", sock)
		if err != nil {
			return nil, fmt.Errorf("ssh-agent %s: %w", sock, err)
		}
		k.agentConn, k.agent = c, agent.NewClient(c)
		signers, err := k.agent.Signers()
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("ssh-agent %s: %w", sock, err)
		}
		k.agentKeys = signers
	}
	for _, path := range identities {
		s, err := loadKey(path, k.agent != nil)
		if err != nil {
			k.close()
			return nil, err
		}
		if s != nil {
			k.base = append(k.base, s)
		}
	}
	return k, nil
}

// loadKey reads one private key. An encrypted key is skipped when an agent
// is available (it presumably holds the key), and an error otherwise: there
// is nobody to ask for a passphrase.
func loadKey(path string, haveAgent bool) (ssh.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("identity %s: %w", path, err)
	}
	s, err := ssh.ParsePrivateKey(b)
	var pm *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &pm) && haveAgent:
		return nil, nil
	case errors.As(err, &pm):
		return nil, fmt.Errorf("identity %s is encrypted and no ssh-agent is available (SSH_AUTH_SOCK): add it with ssh-add or use an unencrypted key", path)
	case err != nil:
		return nil, fmt.Errorf("identity %s: %w", path, err)
	}
	return s, nil
}

// signers returns the keys to offer for a host: its own identity files
// first, then the --identity keys, then the agent's. Files that cannot be
// loaded are skipped and reported in problems.
func (k *keyring) signers(extra []string) (signers []ssh.Signer, problems []string) {
	for _, path := range extra {
		k.mu.Lock()
		f, ok := k.files[path]
		if !ok {
			f.signer, f.err = loadKey(path, k.agent != nil)
			k.files[path] = f
		}
		k.mu.Unlock()
		if f.err != nil {
			problems = append(problems, f.err.Error())
		}
		if f.signer != nil {
			signers = append(signers, f.signer)
		}
	}
	signers = append(signers, k.base...)
	return append(signers, k.agentKeys...), problems
}

func (k *keyring) close() error {
	if k.agentConn != nil {
		return k.agentConn.Close()
	}
	return nil
}
