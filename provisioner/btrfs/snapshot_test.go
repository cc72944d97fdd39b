package btrfs_test

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestSnapshotModifyRestoreIsByteIdenticalAndKeepsReplacedState(t *testing.T) {
	s, _ := newStore(t)
	ctx := testContext(t)
	path, err := s.Ensure(ctx, "wiki", 1000, 1000, 64<<20)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(path, "media", "photo.bin"), randomBytes(2<<20))
	writeFile(t, filepath.Join(path, "notes.txt"), []byte("original"))
	original := tree(t, path)

	s.Now = clock(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), time.Date(2026, 11, 22, 11, 0, 0, 0, time.UTC))
	snap, err := s.Snapshot(ctx, "wiki")
	if err != nil {
		t.Fatal(err)
	}
	if snap.Name != "20261122T100000Z" {
		t.Errorf("snapshot name = %q", snap.Name)
	}
	if err := os.WriteFile(filepath.Join(snap.Path, "notes.txt"), []byte("x"), 0o644); !errors.Is(err, syscall.EROFS) {
		t.Errorf("writing into a snapshot: err = %v, want EROFS", err)
	}

	writeFile(t, filepath.Join(path, "media", "photo.bin"), randomBytes(2<<20))
	writeFile(t, filepath.Join(path, "new.txt"), []byte("added later"))
	if err := os.Remove(filepath.Join(path, "notes.txt")); err != nil {
		t.Fatal(err)
	}
	modified := tree(t, path)

	if err := s.Restore(ctx, "wiki", snap.Name); err != nil {
		t.Fatal(err)
	}
	if got := tree(t, path); !maps.Equal(got, original) {
		t.Errorf("restored tree differs:\n got  %v\n want %v", got, original)
	}
	snaps, err := s.List("wiki")
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 2 || snaps[1].Name != snap.Name {
		t.Fatalf("snapshots after restore = %v, want the replaced state then the original", snaps)
	}
	if got := tree(t, snaps[0].Path); !maps.Equal(got, modified) {
		t.Error("the snapshot kept before restoring does not hold the replaced state")
	}
	if uid, gid, mode := ownerOf(t, path); uid != 1000 || gid != 1000 || mode != 0o750 {
		t.Errorf("after restore owner %d:%d mode %o", uid, gid, mode)
	}
	if got := quotaOf(t, path); got != mib(64) {
		t.Errorf("after restore quota = %s, want %s", got, mib(64))
	}
	entries, _ := os.ReadDir(filepath.Join(s.Root, "sites"))
	if len(entries) != 1 {
		t.Errorf("sites/ holds %d entries after restore, want only the live subvolume", len(entries))
	}
}

// The quota in force at restore time wins over the one a snapshot carries
// from when it was taken.
func TestRestoreKeepsCurrentQuota(t *testing.T) {
	s, _ := newStore(t)
	ctx := testContext(t)
	path, err := s.Ensure(ctx, "grow", 1000, 1000, 16<<20)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := s.Snapshot(ctx, "grow")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Ensure(ctx, "grow", 1000, 1000, 48<<20); err != nil {
		t.Fatal(err)
	}
	if err := s.Restore(ctx, "grow", snap.Name); err != nil {
		t.Fatal(err)
	}
	if got := quotaOf(t, path); got != mib(48) {
		t.Errorf("quota after restore = %s, want the current %s", got, mib(48))
	}
}

func TestSnapshotsInOneSecondGetDistinctSortedNames(t *testing.T) {
	s, _ := newStore(t)
	ctx := testContext(t)
	if _, err := s.Ensure(ctx, "busy", 1000, 1000, 0); err != nil {
		t.Fatal(err)
	}
	s.Now = clock(time.Date(2026, 11, 22, 21, 30, 0, 500, time.UTC))
	var made []string
	for range 11 {
		sn, err := s.Snapshot(ctx, "busy")
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, sn.Name)
	}
	if made[0] != "20261122T213000Z" || made[1] != "20261122T213000Z-2" || made[10] != "20261122T213000Z-11" {
		t.Errorf("names = %v", made)
	}
	listed, err := s.List("busy")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sn := range listed {
		names = append(names, sn.Name)
	}
	if len(names) != 11 || names[0] != made[10] || names[1] != made[9] || names[10] != made[0] {
		t.Errorf("List = %s, want newest (highest suffix) first", strings.Join(names, " "))
	}
}
