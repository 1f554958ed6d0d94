package catalog_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestPureData: the catalog is data and functions over it. It imports no
// package of Latchkey's (accounts imports it) and nothing that reaches
// files, processes or the network.
func TestPureData(t *testing.T) {
	allowed := []string{"net/url", "slices", "strings", "sync", "sync/atomic"}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if path, _ := strconv.Unquote(imp.Path.Value); !slices.Contains(allowed, path) {
				t.Errorf("%s imports %s; the catalog imports only %q", name, path, allowed)
			}
		}
	}
}
