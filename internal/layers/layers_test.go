package layers

import (
	"bufio"
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/hostctl/hostctl/"

// drawn is one line of the drawing: a package, its layer, and the hostctl
// packages it imports.
type drawn struct {
	layer   int
	imports []string
}

// readDrawing parses the block between the imports markers in
// docs/design.md: lines "L<n> <package>: <import> <import>...".
func readDrawing(t *testing.T, path string) map[string]drawn {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]drawn{}
	in := false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "<!-- imports:begin -->":
			in = true
			continue
		case line == "<!-- imports:end -->":
			in = false
		}
		if !in || !strings.HasPrefix(line, "L") {
			continue
		}
		head, deps, ok := strings.Cut(line, ":")
		fields := strings.Fields(head)
		layer, err := strconv.Atoi(strings.TrimPrefix(fields[0], "L"))
		if !ok || len(fields) != 2 || err != nil {
			t.Fatalf("%s:%d: want \"L<n> <package>: <imports>\", got %q", path, n, line)
		}
		out[fields[1]] = drawn{layer: layer, imports: strings.Fields(deps)}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no import drawing between <!-- imports:begin --> and <!-- imports:end -->", path)
	}
	return out
}

// actual lists every package of the module (tools/ and testdata aside)
// with the module packages its non-test files import.
func actual(t *testing.T, root string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "tools" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && rel != "." {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(p, 0)
		if err != nil {
			if _, none := err.(*build.NoGoError); none {
				return nil
			}
			return err
		}
		var deps []string
		for _, imp := range pkg.Imports {
			if dep, ok := strings.CutPrefix(imp, module); ok {
				deps = append(deps, dep)
			}
		}
		slices.Sort(deps)
		out[filepath.ToSlash(rel)] = deps
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestImportsMatchTheDrawing(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	drawing := readDrawing(t, filepath.Join(root, "docs", "design.md"))
	for pkg, deps := range actual(t, root) {
		t.Run(pkg, func(t *testing.T) {
			d, ok := drawing[pkg]
			if !ok {
				t.Fatalf("package %s is not in docs/design.md's drawing; add it with its layer and imports", pkg)
			}
			want := slices.Sorted(slices.Values(d.imports))
			if !slices.Equal(deps, want) {
				t.Errorf("%s imports %v; the drawing says %v", pkg, deps, want)
			}
			for _, dep := range deps {
				if dl, ok := drawing[dep]; ok && dl.layer >= d.layer {
					t.Errorf("%s (layer %d) imports %s (layer %d): imports go down a layer or more, never up or sideways", pkg, d.layer, dep, dl.layer)
				}
			}
		})
	}
	for pkg := range drawing {
		if _, err := os.Stat(filepath.Join(root, pkg)); err != nil {
			t.Errorf("the drawing names %s, which does not exist", pkg)
		}
	}
}
