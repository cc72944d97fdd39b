package btrfs_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hostctl/hostctl/devcluster/btrfsloop"
	"github.com/hostctl/hostctl/internal/testkit"
	"github.com/hostctl/hostctl/provisioner/btrfs"
)

// newStore gives each test a store on its own freshly formatted btrfs
// (testkit.Btrfs), so quota accounting and subvolume IDs never depend on
// another test. Under -short it skips the test.
func newStore(t *testing.T) (*btrfs.Store, *btrfsloop.Loop) {
	t.Helper()
	loop := testkit.Btrfs(t)
	return &btrfs.Store{Root: loop.Mountpoint}, loop
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// runAs runs a program as uid:gid with no supplementary groups, the way a
// site's process runs.
func runAs(uid, gid int, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{
		Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{},
	}}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// quotaOf asks btrfs directly rather than trusting the package under test.
func quotaOf(t *testing.T, path string) string {
	t.Helper()
	id, err := exec.Command("btrfs", "inspect-internal", "rootid", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("btrfs", "qgroup", "show", "-re", "--raw", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 4 && f[0] == "0/"+strings.TrimSpace(string(id)) {
			return f[3]
		}
	}
	t.Fatalf("no qgroup for %s in:\n%s", path, out)
	return ""
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// tree maps every path under dir to a digest of its content and mode, so
// two trees compare equal only if they are byte-identical.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		desc := info.Mode().String()
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			desc += " " + hex.EncodeToString(sum[:])
		}
		out[rel] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// clock returns the given times in turn, then keeps returning the last.
func clock(times ...time.Time) func() time.Time {
	return func() time.Time {
		t := times[0]
		if len(times) > 1 {
			times = times[1:]
		}
		return t
	}
}

func ownerOf(t *testing.T, path string) (uid, gid int, mode os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return int(st.Uid), int(st.Gid), fi.Mode().Perm()
}

func mib(n int64) string { return strconv.FormatInt(n<<20, 10) }
