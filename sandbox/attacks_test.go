package sandbox

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/hostctl/hostctl/internal/testkit"
)

// The attacks in this file are what a hostile site can do to the launcher
// from its own directories: plant symlinks where the launcher, as root,
// would otherwise follow them; name variables the loader reads; bind
// another site's port. Each test performs the attack; where the attack's
// success cannot be shown by the launcher itself, a control shows the same
// probe succeeding without the guard.

// victimDir is a root-owned directory outside every site's reach, whose
// mode and owner must survive any attack.
func victimDir(t *testing.T, root string) string {
	t.Helper()
	v := filepath.Join(root, "system-dir")
	if err := os.Mkdir(v, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(v, 0o755)
	return v
}

func assertUntouched(t *testing.T, path string, uid uint32, mode os.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if st.Uid != uid || fi.Mode().Perm() != mode {
		t.Errorf("%s is now uid %d mode %04o; the attack changed it (want uid %d mode %04o)", path, st.Uid, fi.Mode().Perm(), uid, mode)
	}
}

// A site owns alloc/ and its task dir, so before a restart it can swap any
// directory the launcher closes for a symlink to a system directory. As
// root, chmod/chown through that link would lock every tenant out of it.
func TestLockDirsNeverFollowsPlantedSymlinks(t *testing.T) {
	requireRoot(t)
	for _, rel := range []string{"alloc/logs", "alloc/data", "alloc/tmp", "web/local", "web/tmp"} {
		t.Run(rel, func(t *testing.T) {
			d, root := fakeAlloc(t)
			victim := victimDir(t, root)
			planted := filepath.Join(filepath.Dir(d.Alloc), rel)
			if err := os.RemoveAll(planted); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(victim, planted); err != nil {
				t.Fatal(err)
			}
			err := lockDirs(d, siteUID)
			if err == nil || !strings.Contains(err.Error(), "symlink") {
				t.Errorf("lockDirs with %s planted as a link: %v, want a refusal naming the symlink", rel, err)
			}
			assertUntouched(t, victim, 0, 0o755)
		})
	}
}

// The supervisor used to open alloc/logs/<task>.stdout.N as root with
// O_CREATE|O_APPEND and chown it to the site: a symlink there made any file
// on the node created or appended to as root and handed to the site.
func TestSupervisorNeverWritesThroughPlantedLogLinks(t *testing.T) {
	requireRoot(t)
	d, root := fakeAlloc(t)
	existing := filepath.Join(root, "ld.so.preload")
	if err := os.WriteFile(existing, []byte("root's\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	created := filepath.Join(root, "created-by-root")
	logs := filepath.Join(d.Alloc, "logs")
	os.Symlink(existing, filepath.Join(logs, "web.stdout.0"))
	os.Symlink(created, filepath.Join(logs, "web.stderr.0"))
	os.Chown(logs, siteUID, siteUID) // as after the site's first start

	cmd := supervised(t, d, `echo attacker-controlled`)
	cmd.Wait()
	if b, _ := os.ReadFile(existing); string(b) != "root's\n" {
		t.Errorf("root's file now holds %q", b)
	}
	assertUntouched(t, existing, 0, 0o600)
	if _, err := os.Lstat(created); err == nil {
		t.Errorf("%s was created through the planted link", created)
	}
}

// stageCode reads the site's tree as root. Nothing in it may lead the copy
// outside the site's own directory of the source tree.
func TestStageCodeStaysInTheSitesTree(t *testing.T) {
	requireRoot(t)
	for _, c := range []struct {
		name  string
		setup func(t *testing.T, tree string) string // returns the site's code, relative to tree
		want  string
	}{
		{"site dir is a link to a system dir", func(t *testing.T, tree string) string {
			os.Symlink("/etc", filepath.Join(tree, "shop"))
			return "shop"
		}, "symlink"},
		{"code path climbs out", func(t *testing.T, tree string) string {
			os.MkdirAll(filepath.Join(tree, "shop"), 0o755)
			return "shop/../../etc"
		}, "refused"},
		{"app dir is a link to another site's code", func(t *testing.T, tree string) string {
			os.MkdirAll(filepath.Join(tree, "other", "code"), 0o700)
			os.MkdirAll(filepath.Join(tree, "shop"), 0o755)
			os.Symlink("../other/code", filepath.Join(tree, "shop", "app"))
			return "shop/app"
		}, "symlink"},
		{"a file planted by another site", func(t *testing.T, tree string) string {
			os.MkdirAll(filepath.Join(tree, "shop"), 0o777)
			p := filepath.Join(tree, "shop", "planted.py")
			os.WriteFile(p, []byte("import os\n"), 0o644)
			os.Chown(p, siteUID+1, siteUID+1)
			return "shop"
		}, "belongs to another site"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, root := fakeAlloc(t)
			tree := filepath.Join(root, "tree")
			os.Mkdir(tree, 0o755)
			rel := c.setup(t, tree)
			if err := lockDirs(d, siteUID); err != nil {
				t.Fatal(err)
			}
			_, err := stageCode(tree, rel, d.Alloc, siteUID)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("stageCode(%s): %v, want an error containing %q", rel, err, c.want)
			}
			if _, err := os.Lstat(filepath.Join(d.Alloc, AppDirName)); err == nil {
				t.Errorf("alloc/app exists after a refused copy")
			}
			leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(d.Alloc), ".hostctl-app-*"))
			if len(leftovers) > 0 {
				t.Errorf("staging dirs left behind: %v", leftovers)
			}
		})
	}
}

// A copy that already exists is reused, but only if it is the site's own
// directory: a link planted as alloc/app is refused, not entered.
func TestExistingAppMustBeTheSites(t *testing.T) {
	requireRoot(t)
	d, root := fakeAlloc(t)
	victim := victimDir(t, root)
	src := filepath.Join(root, "tree", "shop")
	os.MkdirAll(src, 0o755)
	os.WriteFile(filepath.Join(src, "app.py"), nil, 0o644)
	os.Symlink(victim, filepath.Join(d.Alloc, AppDirName))
	if err := lockDirs(d, siteUID); err != nil {
		t.Fatal(err)
	}
	if _, err := stageCode(filepath.Join(root, "tree"), "shop", d.Alloc, siteUID); err == nil {
		t.Error("a symlink planted as alloc/app was accepted as the site's code")
	}
	assertUntouched(t, victim, 0, 0o755)
	if entries, _ := os.ReadDir(victim); len(entries) > 0 {
		t.Errorf("files were written into the link's target: %v", entries)
	}
}

func TestCheckRootEnv(t *testing.T) {
	for _, c := range []struct {
		env  string
		safe bool
	}{
		{"LD_PRELOAD=/tmp/x.so", false},
		{"LD_LIBRARY_PATH=/tmp", false},
		{"LD_AUDIT=/tmp/x.so", false},
		{"GCONV_PATH=/tmp", false},
		{"GLIBC_TUNABLES=glibc.malloc.check=3", false},
		{"GODEBUG=x509ignoreCN=0", false},
		{"HOSTCTL_ENV_LD_PRELOAD=/tmp/x.so", true},
		{"HOSTCTL_ENV_GODEBUG=1", true},
		{"PATH=/usr/bin:/bin", true},
		{"NOMAD_ALLOC_DIR=/x", true},
	} {
		t.Run(c.env, func(t *testing.T) {
			err := checkRootEnv([]string{"PATH=/bin", c.env})
			if (err == nil) != c.safe {
				t.Errorf("checkRootEnv(%q) = %v, want safe=%v", c.env, err, c.safe)
			}
		})
	}
}

func TestSiteEnviron(t *testing.T) {
	got := siteEnviron([]string{
		"PATH=/usr/bin", "GREETING=node's", "HOSTCTL_ENV_GREETING=site's", "HOSTCTL_ENV_DATABASE_URL=postgres://x",
		"HOSTCTL_ENV_=ignored", "HOME=/root", supervisedEnv + "=1", "NOMAD_PORT_http=20001",
	}, "/task/local", "/task/tmp")
	want := []string{"DATABASE_URL=postgres://x", "GREETING=site's", "HOME=/task/local", "NOMAD_PORT_http=20001", "PATH=/usr/bin", "TMPDIR=/task/tmp"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("siteEnviron:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A site's variables reach its command under their own names, and only
// there: the launcher itself refuses to start as root with a loader
// variable around.
func TestLaunchAppliesTheSitesEnvironmentAfterTheDrop(t *testing.T) {
	requireRoot(t)
	d, _ := fakeAlloc(t)
	out, err := launchEnv(t, d, []string{"HOSTCTL_ENV_GREETING=hello from the spec"}, `echo "uid=$(id -u) greeting=$GREETING"`)
	if err != nil || !strings.Contains(out, "uid=2000007 greeting=hello from the spec") {
		t.Errorf("launch: %v\n%s", err, out)
	}
	out, err = launchEnv(t, d, []string{"LD_PRELOAD=/nonexistent.so"}, `echo ran`)
	if err == nil || strings.Contains(out, "ran") || !strings.Contains(out, "refusing to run as root with LD_PRELOAD") {
		t.Errorf("launch with LD_PRELOAD in its own environment: %v\n%s", err, out)
	}
}

func launchEnv(t *testing.T, d Dirs, env []string, script string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "/bin/sh", "-c", script)
	cmd.Env = append(append(os.Environ(), "HOSTCTL_SANDBOX_CHILD=1",
		"NOMAD_ALLOC_DIR="+d.Alloc, "NOMAD_TASK_DIR="+d.Task, "NOMAD_SECRETS_DIR="+d.Secrets), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// bindProbe tries what a squatter would: listen on a port that is not its
// own, on its own port, on a kernel-chosen one, and on the foreign port
// again through Multipath TCP (which Landlock's rules do not cover) and
// io_uring (which no system call filter sees).
const bindProbe = `
import socket, sys, ctypes
def try_bind(port, proto=0):
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port)); s.listen(1); s.close()
        return "bound"
    except OSError as e:
        return "denied(%d)" % e.errno
own, foreign = int(sys.argv[1]), int(sys.argv[2])
print("own", try_bind(own))
print("foreign", try_bind(foreign))
print("ephemeral", try_bind(0))
print("mptcp", try_bind(foreign, 262))
libc = ctypes.CDLL(None, use_errno=True)
params = ctypes.create_string_buffer(120)
fd = libc.syscall(425, 8, params)
print("io_uring", "created" if fd >= 0 else "denied(%d)" % ctypes.get_errno())
`

// Another site's port is free while that site restarts; a site that binds
// it passes the victim's health check (it sends the victim's Host) and
// receives its traffic and cookies.
func TestSitesBindOnlyTheirOwnPorts(t *testing.T) {
	requireRoot(t)
	own, foreign := testkit.FreeLoopbackPort(t), testkit.FreeLoopbackPort(t)
	args := []string{"-c", bindProbe, strconv.Itoa(own), strconv.Itoa(foreign)}

	// Control: the same probe, unconfined, takes the foreign port both ways.
	control, err := exec.Command("/usr/bin/python3", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("control: %v\n%s", err, control)
	}
	for _, want := range []string{"foreign bound", "mptcp bound"} {
		if !strings.Contains(string(control), want) {
			t.Fatalf("control run lacks %q, so the probe proves nothing:\n%s", want, control)
		}
	}

	d, _ := fakeAlloc(t)
	cmd := exec.Command(os.Args[0], append([]string{"/usr/bin/python3"}, args...)...)
	cmd.Env = append(os.Environ(), "HOSTCTL_SANDBOX_CHILD=1", "NOMAD_PORT_http="+strconv.Itoa(own),
		"NOMAD_ALLOC_DIR="+d.Alloc, "NOMAD_TASK_DIR="+d.Task, "NOMAD_SECRETS_DIR="+d.Secrets)
	b, err := cmd.CombinedOutput()
	out := string(b)
	if err != nil {
		t.Fatalf("launch: %v\n%s", err, out)
	}
	for _, want := range []string{"own bound", "ephemeral bound", "foreign denied(13)", "mptcp denied(93)", "io_uring denied(38)"} {
		if !strings.Contains(out, want) {
			t.Errorf("confined probe lacks %q:\n%s", want, out)
		}
	}
}

// Apps write atomically: a temp dir or file, then a rename into place.
// Landlock refuses renames and links between directories unless the
// REFER right is granted, which showed as EXDEV ("Invalid cross-device
// link") and 500s from a real app writing into MEDIA_ROOT.
func TestSitesMayRenameAcrossTheirOwnDirectories(t *testing.T) {
	requireRoot(t)
	d, _ := fakeAlloc(t)
	out, err := launch(t, d, `set -e
cd "$NOMAD_TASK_DIR"
mkdir -p staging && echo v1 > staging/file && mv staging/file ./file && echo "task dir: renamed"
mkdir tmpdir && echo x > tmpdir/f && mv tmpdir "$NOMAD_ALLOC_DIR/data/moved" && echo "into alloc data: renamed"
ln ./file "$NOMAD_ALLOC_DIR/data/linked" && echo "linked"
`)
	if err != nil {
		t.Fatalf("launch: %v\n%s", err, out)
	}
	for _, want := range []string{"task dir: renamed", "into alloc data: renamed", "linked"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
