package sandbox

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestVersionVirtualenvIsKeptOnTheNode: allocations of one version share
// a virtualenv in the site's store instead of each building its own; a
// new version, or a restart, gets a new one.
func TestVersionVirtualenvIsKeptOnTheNode(t *testing.T) {
	requireRoot(t)
	_, root := fakeAlloc(t)
	src := filepath.Join(root, "src")
	os.MkdirAll(filepath.Join(src, "dist"), 0o755)
	writeWheel(t, filepath.Join(src, "dist", "sitepkg-1.0-py3-none-any.whl"))
	os.WriteFile(filepath.Join(src, "requirements.txt"), []byte("./dist/sitepkg-1.0-py3-none-any.whl\n"), 0o644)
	base := []string{"HOSTCTL_SANDBOX_PYTHON=/usr/bin/python3", "HOSTCTL_SANDBOX_REQUIREMENTS=requirements.txt", "PIP_NO_INDEX=1"}
	v1 := append(append([]string(nil), base...), "HOSTCTL_SANDBOX_VERSION_KEY="+testVersionKey)
	venvs := filepath.Join(root, StoreDirName, strconv.Itoa(siteUID), "venvs")
	script := `python3 -c 'import sys, sitepkg; print("prefix", sys.prefix)'`

	prefixes := map[string]string{}
	for i, c := range []struct {
		name      string
		env       []string
		installed bool // pip ran
		sameAs    string
	}{
		{"first allocation builds it", v1, true, ""},
		{"the next allocation of the version reuses it", v1, false, "first allocation builds it"},
		{"a new version builds its own", append(append([]string(nil), base...), "HOSTCTL_SANDBOX_VERSION_KEY="+strings.Repeat("e", 64)), true, ""},
		{"a restart builds its own", append(append([]string(nil), v1...), "NOMAD_META_hostctl_restart=7"), true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := launchPython(t, fakeAllocIn(t, root, "v"+strconv.Itoa(i)), src, c.env, script)
			if err != nil {
				t.Fatalf("launch: %v\n%s", err, out)
			}
			if installed := strings.Contains(out, "installing"); installed != c.installed {
				t.Errorf("pip ran: %v, want %v\n%s", installed, c.installed, out)
			}
			_, prefix, _ := strings.Cut(out, "prefix ")
			prefix = strings.TrimSpace(prefix)
			if filepath.Dir(prefix) != venvs {
				t.Errorf("virtualenv %q is not in the store %s", prefix, venvs)
			}
			for name, p := range prefixes {
				if (p == prefix) != (name == c.sameAs) {
					t.Errorf("virtualenv %s shared with %q: %v", prefix, name, p == prefix)
				}
			}
			prefixes[c.name] = prefix
		})
	}
}

// TestRunningSiteCannotWriteItsStore: the store is written while a version
// is prepared; the process that then runs (gunicorn, and anything a
// request makes it run) cannot change it, so code that took over a site
// cannot plant something in a virtualenv or release output that later
// allocations would start from.
func TestRunningSiteCannotWriteItsStore(t *testing.T) {
	requireRoot(t)
	_, root := fakeAlloc(t)
	src := filepath.Join(root, "src")
	os.MkdirAll(src, 0o755)
	env := []string{"HOSTCTL_SANDBOX_PYTHON=/usr/bin/python3", "HOSTCTL_SANDBOX_VERSION_KEY=" + testVersionKey}
	store := filepath.Join(root, StoreDirName, strconv.Itoa(siteUID))
	d := fakeAllocIn(t, root, "a1")
	out, err := launchPython(t, d, src, env, `
for f in "$VIRTUAL_ENV/planted" "`+store+`/venvs/planted" "`+store+`/planted"; do
  if touch "$f" 2>/dev/null; then echo "wrote $f"; else echo "refused $f"; fi
done
touch "$NOMAD_ALLOC_DIR/data/ok" && echo "wrote alloc data"`)
	if err != nil {
		t.Fatalf("launch: %v\n%s", err, out)
	}
	if strings.Contains(out, "wrote /") || strings.Count(out, "refused ") != 3 || !strings.Contains(out, "wrote alloc data") {
		t.Errorf("the running site could write its store (or not its own dirs):\n%s", out)
	}
}
