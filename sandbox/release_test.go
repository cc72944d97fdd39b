package sandbox

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// releaseScript is a release step that leaves output in the app copy and
// in alloc/data (collectstatic does one or the other), and counts its runs
// in a file outside the allocation.
const releaseScript = `set -e
echo release-ran
echo "$(cat version.txt) built" > built.txt
mkdir -p "$NOMAD_ALLOC_DIR/data/static"
echo css > "$NOMAD_ALLOC_DIR/data/static/site.css"
exit "${RELEASE_EXIT:-0}"`

const testVersionKey = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func runRelease(t *testing.T, d Dirs, src string, env ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "/bin/sh", "-c", releaseScript)
	cmd.Env = append(append(os.Environ(), "HOSTCTL_SANDBOX_CHILD=1", "HOSTCTL_SANDBOX_RELEASE=1", "HOSTCTL_SANDBOX_APP="+src,
		"NOMAD_ALLOC_DIR="+d.Alloc, "NOMAD_TASK_DIR="+d.Task, "NOMAD_SECRETS_DIR="+d.Secrets), env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		return "missing"
	}
	return strings.TrimSpace(string(b))
}

// TestReleaseOutputIsKeptPerVersion runs allocations of one site in turn
// on one node: the release runs once per version and later allocations get
// its output restored; a changed file, key or restart stamp, or a failed
// release, makes it run again.
func TestReleaseOutputIsKeptPerVersion(t *testing.T) {
	requireRoot(t)
	_, root := fakeAlloc(t)
	src := filepath.Join(root, "src")
	os.MkdirAll(src, 0o700)
	os.WriteFile(filepath.Join(src, "version.txt"), []byte("v1\n"), 0o644)
	key := "HOSTCTL_SANDBOX_VERSION_KEY=" + testVersionKey

	steps := []struct {
		name    string
		setup   func()
		env     []string
		wantRan bool
		wantOut string // built.txt after the task
		wantRC  int
	}{
		{"first allocation runs it", nil, []string{key}, true, "v1 built", 0},
		{"the same version is restored", nil, []string{key}, false, "v1 built", 0},
		{"and again", nil, []string{key}, false, "v1 built", 0},
		{"a changed file reruns it", func() { os.WriteFile(filepath.Join(src, "version.txt"), []byte("v2\n"), 0o644) }, []string{key}, true, "v2 built", 0},
		{"another key reruns it", nil, []string{"HOSTCTL_SANDBOX_VERSION_KEY=" + strings.Repeat("f", 64)}, true, "v2 built", 0},
		{"a restart reruns it", nil, []string{key, "NOMAD_META_hostctl_restart=123"}, true, "v2 built", 0},
		{"the restarted version is restored", nil, []string{key, "NOMAD_META_hostctl_restart=123"}, false, "v2 built", 0},
		{"a failed release keeps nothing", func() { os.WriteFile(filepath.Join(src, "version.txt"), []byte("v3\n"), 0o644) }, []string{key, "RELEASE_EXIT=3"}, true, "v3 built", 3},
		{"so it runs again", nil, []string{key}, true, "v3 built", 0},
	}
	for i, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.setup != nil {
				st.setup()
			}
			d := fakeAllocIn(t, root, "alloc"+strconv.Itoa(i))
			out, rc := runRelease(t, d, src, st.env...)
			if rc != st.wantRC {
				t.Fatalf("exit %d, want %d\n%s", rc, st.wantRC, out)
			}
			if ran := strings.Contains(out, "release-ran"); ran != st.wantRan {
				t.Errorf("release ran: %v, want %v\n%s", ran, st.wantRan, out)
			}
			if got := readFile(t, filepath.Join(d.Alloc, AppDirName, "built.txt")); got != st.wantOut {
				t.Errorf("app/built.txt = %q, want %q", got, st.wantOut)
			}
			if got := readFile(t, filepath.Join(d.Alloc, "data/static/site.css")); got != "css" {
				t.Errorf("data/static/site.css = %q", got)
			}
		})
	}

	store := filepath.Join(root, StoreDirName)
	for _, c := range []struct {
		path string
		uid  int
		mode os.FileMode
	}{{store, 0, 0o711}, {filepath.Join(store, strconv.Itoa(siteUID)), siteUID, 0o700}} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != c.uid || fi.Mode().Perm() != c.mode {
			t.Errorf("%s: uid %d mode %04o, want uid %d mode %04o", c.path, st.Uid, fi.Mode().Perm(), c.uid, c.mode)
		}
	}
	kept, _ := os.ReadDir(filepath.Join(store, strconv.Itoa(siteUID), "releases"))
	if len(kept) != keepVersions {
		t.Errorf("%d outputs kept, want %d", len(kept), keepVersions)
	}
}

// TestStoredReleaseCannotReachOutside: a site owns its stored outputs and
// may plant anything in them; restoring runs as the site and copies no
// symlink, so a planted link to another site's files or the node's
// secrets never becomes a file in the allocation.
func TestStoredReleaseCannotReachOutside(t *testing.T) {
	requireRoot(t)
	_, root := fakeAlloc(t)
	src := filepath.Join(root, "src")
	os.MkdirAll(src, 0o700)
	os.WriteFile(filepath.Join(src, "version.txt"), []byte("v1\n"), 0o644)
	key := "HOSTCTL_SANDBOX_VERSION_KEY=" + testVersionKey
	if out, rc := runRelease(t, fakeAllocIn(t, root, "a1"), src, key); rc != 0 {
		t.Fatalf("release: %d\n%s", rc, out)
	}
	releases := filepath.Join(root, StoreDirName, strconv.Itoa(siteUID), "releases")
	entries, _ := os.ReadDir(releases)
	if len(entries) != 1 {
		t.Fatalf("stored outputs: %v", entries)
	}
	stored := filepath.Join(releases, entries[0].Name())
	os.Symlink("/etc/shadow", filepath.Join(stored, storedApp, "shadow"))
	os.Symlink("/etc", filepath.Join(stored, storedData, "etc"))

	d := fakeAllocIn(t, root, "a2")
	out, rc := runRelease(t, d, src, key)
	if rc != 0 || strings.Contains(out, "release-ran") {
		t.Fatalf("restore: exit %d\n%s", rc, out)
	}
	for _, p := range []string{filepath.Join(d.Alloc, AppDirName, "shadow"), filepath.Join(d.Alloc, "data/etc")} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s was restored from a planted symlink", p)
		}
	}
}
