package jobs

import (
	"os"
	"path/filepath"
	"strings"
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

// checkErr fails t unless err matches want: nil for "", else an error
// containing want.
func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("refused: %v", err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Errorf("err = %v, want %q", err, want)
	}
}
