package sandbox

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/internal/testkit"
)

// The test binary doubles as the launcher: run with HOSTCTL_SANDBOX_CHILD
// set, it launches the rest of its arguments the way `hostctl launch` does.
func TestMain(m *testing.M) {
	if mode := os.Getenv("HOSTCTL_SANDBOX_CHILD"); mode != "" {
		dirs, err := DirsFromEnv()
		spec := Spec{UID: siteUID, Dirs: dirs, Argv: os.Args[1:], Fetched: os.Getenv("HOSTCTL_SANDBOX_FETCHED"),
			Python: os.Getenv("HOSTCTL_SANDBOX_PYTHON"), Requirements: os.Getenv("HOSTCTL_SANDBOX_REQUIREMENTS"),
			RequirementsRequired: os.Getenv("HOSTCTL_SANDBOX_REQUIRED") == "1", VersionKey: os.Getenv("HOSTCTL_SANDBOX_VERSION_KEY"), Release: os.Getenv("HOSTCTL_SANDBOX_RELEASE") == "1"}
		if app := os.Getenv("HOSTCTL_SANDBOX_APP"); app != "" {
			// The tests' source trees hold one site's code each.
			spec.CodeRoot, spec.Code = filepath.Dir(app), filepath.Base(app)
		}
		switch {
		case err != nil:
		case mode == "supervise" && !Supervised():
			err = Supervise(spec, LogLimits{MaxFiles: 2, MaxFileSize: 64})
		default:
			err = Launch(spec)
		}
		os.Stderr.WriteString("launch: " + err.Error() + "\n")
		os.Exit(111)
	}
	os.Exit(m.Run())
}

const siteUID = contract.MinUID + 7

// fakeAlloc lays out directories the way Nomad does for a raw_exec task,
// world-writable as Nomad leaves them.
func fakeAlloc(t *testing.T) (Dirs, string) {
	t.Helper()
	root, err := os.MkdirTemp("/tmp", "sandbox-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	os.Chmod(root, 0o711)
	return fakeAllocIn(t, root, "allocid"), root
}

// fakeAllocIn adds allocation id to the alloc dir root.
func fakeAllocIn(t *testing.T, root, id string) Dirs {
	t.Helper()
	alloc := filepath.Join(root, id)
	d := Dirs{
		Alloc:   filepath.Join(alloc, "alloc"),
		Task:    filepath.Join(alloc, "web", "local"),
		Secrets: filepath.Join(alloc, "web", "secrets"),
	}
	for _, p := range []string{d.Alloc + "/data", d.Alloc + "/tmp", d.Alloc + "/logs", d.Task, d.Secrets, alloc + "/web/tmp"} {
		if err := os.MkdirAll(p, 0o777); err != nil {
			t.Fatal(err)
		}
	}
	filepath.Walk(alloc, func(p string, _ os.FileInfo, _ error) error { return os.Chmod(p, 0o777) })
	os.WriteFile(filepath.Join(d.Secrets, "db.env"), []byte("DATABASE_URL=secret\n"), 0o644)
	return d
}

func requireRoot(t *testing.T) {
	t.Helper()
	testkit.NeedsRoot(t, "the launcher prepares directories and drops privileges")
}

func TestLockDirs(t *testing.T) {
	requireRoot(t)
	d, _ := fakeAlloc(t)
	if err := lockDirs(d, siteUID); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		uid  int
		mode os.FileMode
	}{
		{filepath.Dir(d.Alloc), 0, 0o711},
		{d.Alloc, siteUID, 0o700},
		{d.Alloc + "/data", siteUID, 0o700},
		{d.Alloc + "/logs", siteUID, 0o700},
		{filepath.Dir(d.Task), siteUID, 0o700},
		{d.Task, siteUID, 0o700},
		{d.Secrets, siteUID, 0o500},
	} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if int(st.Uid) != c.uid || fi.Mode().Perm() != c.mode {
			t.Errorf("%s: uid %d mode %04o, want uid %d mode %04o", c.path, st.Uid, fi.Mode().Perm(), c.uid, c.mode)
		}
	}
}

// launch runs a shell script under the launcher with Nomad's variables
// pointing at d, and returns its output.
func launch(t *testing.T, d Dirs, script string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "/bin/sh", "-c", script)
	cmd.Env = append(os.Environ(), "HOSTCTL_SANDBOX_CHILD=1",
		"NOMAD_ALLOC_DIR="+d.Alloc, "NOMAD_TASK_DIR="+d.Task, "NOMAD_SECRETS_DIR="+d.Secrets)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestLaunchDropsAndConfines(t *testing.T) {
	requireRoot(t)
	d, root := fakeAlloc(t)
	// Another site's private directory on the same node.
	other := filepath.Join(root, "other-site")
	os.Mkdir(other, 0o700)
	os.Chown(other, siteUID+1, siteUID+1)
	os.WriteFile(filepath.Join(other, "code.py"), []byte("SECRET = 1\n"), 0o600)
	os.Chown(filepath.Join(other, "code.py"), siteUID+1, siteUID+1)

	out, err := launch(t, d, `
echo "uid=$(id -u) gid=$(id -g) groups=$(id -G)"
echo "home=$HOME"
cat "$NOMAD_SECRETS_DIR/db.env"
echo ok > "$NOMAD_TASK_DIR/written" && echo "task dir: writable"
echo ok > "$NOMAD_ALLOC_DIR/data/written" && echo "alloc data: writable"
echo x > /tmp/sandbox-escape-$$ 2>/dev/null && echo "tmp: WRITABLE" || echo "tmp: denied"
echo x > /dev/shm/sandbox-escape-$$ 2>/dev/null && echo "shm: WRITABLE" || echo "shm: denied"
cat `+other+`/code.py 2>/dev/null && echo "other site: READABLE" || echo "other site: denied"
ls `+filepath.Dir(d.Alloc)+` 2>/dev/null && echo "alloc root: LISTABLE" || echo "alloc root: denied"
echo x >/dev/null && echo "devnull: ok"
`)
	if err != nil {
		t.Fatalf("launch: %v\n%s", err, out)
	}
	for _, want := range []string{
		"uid=2000007 gid=2000007 groups=2000007", "home=" + d.Task, "DATABASE_URL=secret",
		"task dir: writable", "alloc data: writable", "tmp: denied", "shm: denied",
		"other site: denied", "alloc root: denied", "devnull: ok",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	matches, _ := filepath.Glob("/tmp/sandbox-escape-*")
	if len(matches) > 0 {
		t.Errorf("the site wrote outside its directories: %v", matches)
	}
}

// The code is copied privately: the source may be root-only, the copy
// belongs to the site alone, symlinks are not followed, and commands start
// in the copy.
func TestLaunchStagesAppPrivately(t *testing.T) {
	requireRoot(t)
	d, root := fakeAlloc(t)
	src := filepath.Join(root, "src")
	os.MkdirAll(filepath.Join(src, "pkg", "__pycache__"), 0o700)
	os.WriteFile(filepath.Join(src, "app.py"), []byte("CODE = 1\n"), 0o644)
	os.WriteFile(filepath.Join(src, "pkg", "mod.py"), []byte("X = 2\n"), 0o600)
	os.Symlink("/etc/shadow", filepath.Join(src, "shadow"))
	os.Chmod(src, 0o700) // root-only: the site could not read it in place

	cmd := exec.Command(os.Args[0], "/bin/sh", "-c", `pwd; cat app.py pkg/mod.py; ls -a; stat -c '%u %a' . app.py`)
	cmd.Env = append(os.Environ(), "HOSTCTL_SANDBOX_CHILD=1", "HOSTCTL_SANDBOX_APP="+src,
		"NOMAD_ALLOC_DIR="+d.Alloc, "NOMAD_TASK_DIR="+d.Task, "NOMAD_SECRETS_DIR="+d.Secrets)
	b, err := cmd.CombinedOutput()
	out := string(b)
	if err != nil {
		t.Fatalf("launch: %v\n%s", err, out)
	}
	for _, want := range []string{filepath.Join(d.Alloc, AppDirName) + "\n", "CODE = 1", "X = 2", "2000007 700\n2000007 600"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "shadow") || strings.Contains(out, "__pycache__") {
		t.Errorf("symlink or bytecode cache copied:\n%s", out)
	}
}

func TestLaunchRefusesBadUID(t *testing.T) {
	for _, uid := range []int{0, 1000, 65534, contract.MaxUID + 1} {
		if err := Launch(Spec{UID: uid, Argv: []string{"/bin/true"}}); err == nil || !strings.Contains(err.Error(), "outside the site range") {
			t.Errorf("uid %d: %v", uid, err)
		}
	}
}
