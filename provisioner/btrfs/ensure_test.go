package btrfs_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestEnsureSetsOwnerModeAndQuota(t *testing.T) {
	s, _ := newStore(t)
	ctx := testContext(t)
	path, err := s.Ensure(ctx, "blog", 1234, 2345, 64<<20)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(s.Root, "sites", "blog"); path != want {
		t.Errorf("path = %s, want %s", path, want)
	}
	if uid, gid, mode := ownerOf(t, path); uid != 1234 || gid != 2345 || mode != 0o750 {
		t.Errorf("owner %d:%d mode %o, want 1234:2345 0750", uid, gid, mode)
	}
	if fi, _ := os.Stat(path); fi.Sys().(*syscall.Stat_t).Ino != 256 {
		t.Error("site directory is not a subvolume root")
	}
	if got := quotaOf(t, path); got != mib(64) {
		t.Errorf("quota = %s, want %s", got, mib(64))
	}

	writeFile(t, filepath.Join(path, "upload.jpg"), []byte("jpeg"))
	again, err := s.Ensure(ctx, "blog", 1234, 2345, 32<<20)
	if err != nil || again != path {
		t.Fatalf("second Ensure = %s, %v", again, err)
	}
	if got := quotaOf(t, path); got != mib(32) {
		t.Errorf("changed quota = %s, want %s", got, mib(32))
	}
	if _, err := os.Stat(filepath.Join(path, "upload.jpg")); err != nil {
		t.Errorf("repeat Ensure lost the site's files: %v", err)
	}
	if _, err := s.Ensure(ctx, "blog", 1234, 2345, 0); err != nil {
		t.Fatal(err)
	}
	if got := quotaOf(t, path); got != "none" {
		t.Errorf("quota 0 gave limit %s, want none", got)
	}
}

func TestEnsureRefusesPlainDirectoryInTheWay(t *testing.T) {
	s, _ := newStore(t)
	plain := filepath.Join(s.Root, "sites", "legacy")
	writeFile(t, filepath.Join(plain, "data"), []byte("x"))
	_, err := s.Ensure(testContext(t), "legacy", 1000, 1000, 0)
	if err == nil || !strings.Contains(err.Error(), "not a btrfs subvolume") {
		t.Errorf("Ensure over a plain directory: err = %v", err)
	}
}

// A site whose uid changed (its account was made again) gets its files
// back; files someone else owns in there stay theirs.
func TestEnsureReownsAfterUIDChange(t *testing.T) {
	s, _ := newStore(t)
	ctx := testContext(t)
	path, err := s.Ensure(ctx, "blog", 1234, 1234, 0)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(path, "uploads"), 0o700)
	writeFile(t, filepath.Join(path, "uploads", "a.jpg"), []byte("a"))
	writeFile(t, filepath.Join(path, "other"), []byte("b"))
	for _, p := range []string{filepath.Join(path, "uploads"), filepath.Join(path, "uploads", "a.jpg")} {
		os.Lchown(p, 1234, 1234)
	}
	os.Lchown(filepath.Join(path, "other"), 4321, 4321)
	if _, err := s.Ensure(ctx, "blog", 5678, 5678, 0); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]int{path: 5678, filepath.Join(path, "uploads"): 5678, filepath.Join(path, "uploads", "a.jpg"): 5678, filepath.Join(path, "other"): 4321} {
		if uid, _, _ := ownerOf(t, p); uid != want {
			t.Errorf("%s owned by %d, want %d", p, uid, want)
		}
	}
}
