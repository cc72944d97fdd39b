package jobs

import (
	"os"
	"path/filepath"
	"testing"
)

// sourceTree makes an operator's source tree holding, for each site, its
// directory with an app/ and a static/ inside, and returns its root.
func sourceTree(t testing.TB, sites ...string) string {
	t.Helper()
	root := t.TempDir()
	for _, s := range sites {
		for _, d := range []string{"app", "static"} {
			if err := os.MkdirAll(filepath.Join(root, s, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

// testOptions parses against a fresh source tree for sites.
func testOptions(t testing.TB, sites ...string) Options {
	t.Helper()
	return Options{SourceRoot: sourceTree(t, sites...)}
}
