package facts

import (
	"bytes"
	"fmt"
	"go/ast"
	goparser "go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// gated are classifier patterns that count only once another pattern,
// itself covered by a keyword, has matched.
var gated = map[string]bool{
	" not allowed because ": true, // after "User "
	"Disconnected from":     true, // with "Packet corrupt"
	" user ":                true, // negated
	"sshd":                  true, // with "general protection fault"
	// after sshUnit's "ssh.service:" and the like
	"Main process exited, code=killed": true, "Main process exited, code=dumped": true,
	"Main process exited, code=exited, status=255": true, "Failed with result": true,
	"Start request repeated too quickly": true, "Deactivated successfully": true, "Succeeded.": true,
}

// TestKeywordsCoverPatterns reads the classifier's patterns out of
// events.go and checks that each holds a keyword, so that a pattern added
// there without one fails here instead of being skipped by the prefilter.
func TestKeywordsCoverPatterns(t *testing.T) {
	fs := token.NewFileSet()
	file, err := goparser.ParseFile(fs, "events.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	classifiers := map[string]bool{"classifyMessage": true, "classifySshd": true, "classifyKernel": true, "classifySystemd": true, "sshUnit": true}
	var pats []string
	lit := func(e ast.Expr) {
		if b, ok := e.(*ast.BasicLit); ok && b.Kind == token.STRING {
			s, err := strconv.Unquote(b.Value)
			if err != nil {
				t.Fatal(err)
			}
			pats = append(pats, s)
		}
	}
	for _, d := range file.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || !classifiers[fn.Name.Name] {
			continue
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				switch f := n.Fun.(type) {
				case *ast.Ident: // has(pattern)
					if f.Name == "has" && len(n.Args) == 1 {
						lit(n.Args[0])
					}
				case *ast.SelectorExpr: // strings.HasPrefix(msg, pattern)
					if x, ok := f.X.(*ast.Ident); ok && x.Name == "strings" && (f.Sel.Name == "HasPrefix" || f.Sel.Name == "Contains") && len(n.Args) == 2 {
						lit(n.Args[1])
					}
				}
			case *ast.CompositeLit: // sshUnit's list
				if fn.Name.Name == "sshUnit" {
					for _, e := range n.Elts {
						lit(e)
					}
				}
			}
			return true
		})
	}
	if len(pats) < 60 {
		t.Fatalf("found %d patterns in events.go, want 60 or more: has the classifier changed shape?", len(pats))
	}
	for _, p := range pats {
		if !gated[p] && !mayClassify([]byte(p)) {
			t.Errorf("pattern %q holds no keyword: add one to keywords in prefilter.go", p)
		}
	}
}

// TestMayClassifyAgrees checks the prefilter against Classify on every line
// of the recorded outputs and of TestClassify's table.
func TestMayClassifyAgrees(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.out")
	var all []byte
	for _, in := range files {
		b, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	c := Classifier{Now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	kept := 0
	for l := range bytes.Lines(all) {
		l = bytes.TrimRight(l, "\r\n")
		if e, ok := c.Classify(strings.ToValidUTF8(string(l), "?")); ok {
			kept++
			if !mayClassify(l) {
				t.Errorf("Classify keeps %q (%s) but mayClassify skips it", l, e.Kind)
			}
		}
	}
	if kept < 20 {
		t.Errorf("only %d recorded lines classified: the check proves little", kept)
	}
}

func FuzzMayClassify(f *testing.F) {
	f.Add([]byte("Nov 25 10:15:22 host sshd[9]: error: fork: Cannot allocate memory"))
	f.Add([]byte("2026-11-25T10:15:22+0000 host systemd[1]: ssh.service: Main process exited, code=killed"))
	f.Add([]byte("-- Reboot --"))
	c := Classifier{Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	f.Fuzz(func(t *testing.T, line []byte) {
		if e, ok := c.Classify(strings.ToValidUTF8(string(line), "?")); ok && !mayClassify(line) {
			t.Errorf("Classify keeps %q (%s) but mayClassify skips it", line, e.Kind)
		}
	})
}

// TestSyslogStamp checks the fast stamp reader against time.ParseInLocation.
func TestSyslogStamp(t *testing.T) {
	loc := time.FixedZone("+0130", 90*60)
	fast := 0
	for _, mon := range []string{"Jan", "Feb", "Apr", "Nov", "Dec", "nov", "NOV", "Xyz", "anF"} {
		for _, day := range []string{" 1", " 9", "01", "09", "10", "28", "29", "30", "31", "32", "00", " 0", "0 ", "1 ", "  ", "a1"} {
			for _, clock := range []string{"00:00:00", "23:59:59", "24:00:00", "12:60:00", "12:00:60", "9:00:000", "12:5a:00", "12 00:00", "1x:00:00"} {
				s := fmt.Sprintf("%s %s %s", mon, day, clock)
				want, err := time.ParseInLocation("Jan _2 15:04:05", s, loc)
				got, ok := syslogStamp(s, loc)
				if !ok {
					continue
				}
				fast++
				if err != nil || !got.Equal(want) || got.Location() != want.Location() {
					t.Errorf("syslogStamp(%q) = %v, want %v (err %v)", s, got, want, err)
				}
			}
		}
	}
	if fast < 50 {
		t.Errorf("the fast path read only %d stamps", fast)
	}
}
