package testkit

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hostctl/hostctl/devcluster/btrfsloop"
)

// BtrfsImageBytes is the size of a test's btrfs image: room for a few
// quota-limited subvolumes, sparse so it costs disk only as it fills.
const BtrfsImageBytes = 256 << 20

// Btrfs gives the test its own freshly formatted, quota-enabled btrfs, so
// quota accounting and subvolume IDs never depend on another test. It is
// unmounted, and its loop device detached, when the test ends. It needs
// root (NeedsRoot): the mount, and the btrfs send and chown the store's
// tests do on it.
func Btrfs(t testing.TB) *btrfsloop.Loop {
	t.Helper()
	NeedsRoot(t, "mounts a btrfs image on a loop device")
	dir := reachableTempDir(t)
	loop, err := btrfsloop.Mount(filepath.Join(dir, "fs.img"), BtrfsImageBytes, filepath.Join(dir, "mnt"))
	if err != nil {
		t.Fatal(err)
	}
	// Registered after t.TempDir's own cleanup, so it runs first: the
	// directory is removed only once nothing is mounted in it.
	t.Cleanup(func() {
		if err := loop.Close(); err != nil {
			t.Errorf("close loop: %v", err)
		}
	})
	return loop
}

// reachableTempDir opens t.TempDir's 0700 parents so the unprivileged uids
// the tests run as can reach the mount; permissions inside the store are
// then the only thing deciding access, which is what the tests check.
func reachableTempDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for _, p := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
