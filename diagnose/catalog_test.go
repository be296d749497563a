package diagnose

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"
)

// resultCauseIDs reads every Cause* constant of package result from its
// source, so that a cause added there without a catalog entry fails here.
func resultCauseIDs(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../result/result.go", nil, 0)
	if err != nil {
		t.Fatalf("parse result.go: %v", err)
	}
	var ids []string
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range vs.Names {
			if !strings.HasPrefix(name.Name, "Cause") || i >= len(vs.Values) {
				continue
			}
			if lit, ok := vs.Values[i].(*ast.BasicLit); ok {
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatalf("%s: %v", name.Name, err)
				}
				ids = append(ids, s)
			}
		}
		return true
	})
	if len(ids) < 20 {
		t.Fatalf("found only %d cause ids in result.go", len(ids))
	}
	return ids
}

func TestCatalogCoversEveryCause(t *testing.T) {
	byID := map[string]Cause{}
	for _, c := range Catalog() {
		if _, dup := byID[c.ID]; dup {
			t.Errorf("cause %s listed twice", c.ID)
		}
		byID[c.ID] = c
		if c.Title == "" || len(c.Why) < 40 || c.Severity.Rank() == 0 {
			t.Errorf("cause %s is not documented: %+v", c.ID, c)
		}
	}
	for _, id := range resultCauseIDs(t) {
		if _, ok := byID[id]; !ok {
			t.Errorf("cause %s of package result is missing from Catalog()", id)
		}
	}
	if len(byID) != len(resultCauseIDs(t)) {
		t.Errorf("catalog has %d causes, result defines %d", len(byID), len(resultCauseIDs(t)))
	}
}

func TestCatalogIsACopy(t *testing.T) {
	c := Catalog()
	c[0].ID = "changed"
	if Catalog()[0].ID == "changed" {
		t.Fatal("Catalog() exposes its backing array")
	}
}
