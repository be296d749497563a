package report

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/resetaudit/resetaudit/result"
)

// StateDir is a directory of past JSON reports (--state-dir): every run is
// saved there and the newest one is the next run's baseline. Reports name
// hosts, addresses and weaknesses, so the directory is private to its owner.
type StateDir struct {
	dir  string
	keep int
	// Warnings holds what OpenStateDir corrected (a directory that others
	// could read), for the caller to show.
	Warnings []string
}

// Report file names: report-<UTC timestamp>.json. The timestamp layout sorts
// lexically in time order.
const (
	statePrefix = "report-"
	stateSuffix = ".json"
	stateLayout = "20060102T150405.000000000Z"
)

// OpenStateDir opens dir, creating it with mode 0700. An existing directory
// that group or others can access is restricted to 0700, with a warning in
// Warnings. Save keeps the newest keep reports; keep < 1 keeps all.
func OpenStateDir(dir string, keep int) (*StateDir, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("state dir %s: %w", dir, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("state dir %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("state dir %s: not a directory", dir)
	}
	s := &StateDir{dir: dir, keep: keep}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return nil, fmt.Errorf("state dir %s: restricting mode %#o: %w", dir, perm, err)
		}
		s.Warnings = append(s.Warnings, fmt.Sprintf("state dir %s had mode %#o; changed to 0700", dir, perm))
	}
	return s, nil
}

// Dir returns the directory's path.
func (s *StateDir) Dir() string { return s.dir }

// Latest returns the path of the newest saved report; ok is false when there
// is none.
func (s *StateDir) Latest() (path string, ok bool, err error) {
	names, err := s.reports()
	if err != nil || len(names) == 0 {
		return "", false, err
	}
	return filepath.Join(s.dir, names[len(names)-1]), true, nil
}

// reports lists the saved report names, oldest first.
func (s *StateDir) reports() ([]string, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("state dir %s: %w", s.dir, err)
	}
	var names []string
	for _, e := range ents {
		n := e.Name()
		if e.Type().IsRegular() && strings.HasPrefix(n, statePrefix) && strings.HasSuffix(n, stateSuffix) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names, nil
}

// Save writes r as report-<timestamp>.json, named after the report's finish
// time (now if unset), then removes the oldest reports beyond the keep
// limit. The file appears whole or not at all: it is written to a temporary
// file with mode 0600, synced and renamed into place.
func (s *StateDir) Save(r *result.Report) (path string, err error) {
	t := r.FinishedAt
	if t.IsZero() {
		t = time.Now()
	}
	t = t.UTC()
	for {
		path = filepath.Join(s.dir, statePrefix+t.Format(stateLayout)+stateSuffix)
		if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
			break
		}
		// Another report finished at the same instant: keep both, in order.
		t = t.Add(time.Nanosecond)
	}
	if err := writeAtomic(path, func(w io.Writer) error { return WriteJSON(w, r) }); err != nil {
		return "", err
	}
	if err := s.rotate(); err != nil {
		return path, err
	}
	return path, nil
}

// writeAtomic creates path with the content write produces, or leaves
// nothing behind.
func writeAtomic(path string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".report-*.tmp")
	if err != nil {
		return fmt.Errorf("saving report: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("saving report %s: %w", path, err)
	}
	if err := write(f); err != nil {
		return fmt.Errorf("saving report %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("saving report %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("saving report %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("saving report %s: %w", path, err)
	}
	return nil
}

func (s *StateDir) rotate() error {
	if s.keep < 1 {
		return nil
	}
	names, err := s.reports()
	if err != nil {
		return err
	}
	for len(names) > s.keep {
		if err := os.Remove(filepath.Join(s.dir, names[0])); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("state dir %s: rotating: %w", s.dir, err)
		}
		names = names[1:]
	}
	return nil
}
