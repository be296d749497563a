package report

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/resetaudit/resetaudit/result"
)

func TestOpenStateDirMode(t *testing.T) {
	for _, tc := range []struct {
		name     string
		existing os.FileMode // 0: does not exist
		warn     bool
	}{
		{"created", 0, false},
		{"private", 0o700, false},
		{"group readable", 0o750, true},
		{"world writable", 0o777, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "state", "nested")
			if tc.existing != 0 {
				if err := os.MkdirAll(dir, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(dir, tc.existing); err != nil {
					t.Fatal(err)
				}
			}
			s, err := OpenStateDir(dir, 3)
			if err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(dir)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o700 {
				t.Errorf("mode %#o, want 0700", fi.Mode().Perm())
			}
			if got := len(s.Warnings) > 0; got != tc.warn {
				t.Errorf("warnings %q, want warning: %v", s.Warnings, tc.warn)
			}
		})
	}
}

func TestOpenStateDirNotADirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenStateDir(path, 3); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v, want one naming %s", err, path)
	}
}

func TestStateDirSaveLatestRotate(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenStateDir(dir, 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Latest(); ok || err != nil {
		t.Fatalf("empty dir: ok %v err %v", ok, err)
	}
	// Unrelated files are neither baselines nor rotated away.
	for _, name := range []string{"notes.txt", "report-x.json.bak"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	var paths []string
	for i, off := range []time.Duration{0, time.Hour, 2 * time.Hour, 2 * time.Hour, 3 * time.Hour} {
		r := fixture()
		r.FinishedAt = t0.Add(off)
		r.Hosts = r.Hosts[:i+1]
		p, err := s.Save(r)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %#o, want 0600", p, fi.Mode().Perm())
		}
		latest, ok, err := s.Latest()
		if err != nil || !ok || latest != p {
			t.Fatalf("Latest = %q %v %v, want %q", latest, ok, err, p)
		}
		f, err := os.Open(latest)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ReadJSON(f, latest)
		f.Close()
		if err != nil || len(got.Hosts) != i+1 {
			t.Fatalf("latest report unreadable or wrong: %v", err)
		}
	}
	if want := filepath.Join(dir, "report-20260301T090000.000000000Z.json"); paths[0] != want {
		t.Errorf("first report at %s, want %s (UTC timestamp)", paths[0], want)
	}
	if paths[2] == paths[3] {
		t.Error("two reports finished at the same instant share a file")
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	want := []string{"notes.txt", "report-x.json.bak", filepath.Base(paths[2]), filepath.Base(paths[3]), filepath.Base(paths[4])}
	if !sameSet(names, want) {
		t.Errorf("after rotation: %q, want %q (no temp files, oldest gone)", names, want)
	}
}

func TestWriteAtomicFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report-1.json")
	err := writeAtomic(path, func(w io.Writer) error {
		io.WriteString(w, `{"schema":"resetaudit/v1","hosts":[`)
		return errors.New("disk full")
	})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("error %v", err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 0 {
		t.Errorf("failed write left %v", ents)
	}
}

func TestStateDirSaveIntoRemovedDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gone")
	s, err := OpenStateDir(dir, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save(fixture()); err == nil {
		t.Fatal("Save into a removed directory succeeded")
	}
	if _, ok, err := s.Latest(); ok || err == nil {
		t.Errorf("Latest after failure: ok %v err %v", ok, err)
	}
}

func TestStateDirKeepAll(t *testing.T) {
	s, err := OpenStateDir(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		r := &result.Report{FinishedAt: time.Date(2026, 1, 1, i, 0, 0, 0, time.UTC)}
		if _, err := s.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	names, err := s.reports()
	if err != nil || len(names) != 4 {
		t.Errorf("keep 0 kept %d reports (%v)", len(names), err)
	}
}
