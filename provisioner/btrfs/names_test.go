package btrfs_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hostctl/hostctl/provisioner/btrfs"
)

var hostileNames = []string{
	`a"; DROP ROLE postgres; --`,
	"../../etc",
	strings.Repeat("a", 200),
	"é",
	"Robert'); DROP TABLE x;--",
	"",
	".",
	"a/b",
	"nobody", // reserved by contract.CheckSiteName
}

type storeCall struct {
	name string
	call func(site string) error
}

func storeCalls(s *btrfs.Store, backups string) []storeCall {
	ctx := context.Background()
	return []storeCall{
		{"Ensure", func(n string) error { _, err := s.Ensure(ctx, n, 1000, 1000, 1<<20); return err }},
		{"Snapshot", func(n string) error { _, err := s.Snapshot(ctx, n); return err }},
		{"List", func(n string) error { _, err := s.List(n); return err }},
		{"Restore", func(n string) error { return s.Restore(ctx, n, "20261122T213000Z") }},
		{"Prune", func(n string) error { _, err := s.Prune(ctx, n, btrfs.Retention{}, time.Now()); return err }},
		{"Send", func(n string) error { _, err := s.Send(ctx, n, "20261122T213000Z", backups); return err }},
		{"Delete", func(n string) error { return s.Delete(ctx, n) }},
	}
}

// Root is the filesystem's top, so any path join with a hostile name would
// leave a trace somewhere under it (or, for "../", in its parent, which is
// checked too).
func TestHostileNamesAreRejectedBeforeTouchingTheFilesystem(t *testing.T) {
	s, loop := newStore(t)
	parentBefore, _ := os.ReadDir(filepath.Dir(loop.Mountpoint))
	backups := filepath.Join(t.TempDir(), "backups")
	for _, c := range storeCalls(s, backups) {
		for _, name := range hostileNames {
			if err := c.call(name); !errors.Is(err, btrfs.ErrInvalidSiteName) {
				t.Errorf("%s(%q): err = %v, want ErrInvalidSiteName", c.name, name, err)
			}
		}
	}
	if entries, _ := os.ReadDir(s.Root); len(entries) != 0 {
		t.Errorf("Root is not empty after hostile calls: %v", entries)
	}
	if parentAfter, _ := os.ReadDir(filepath.Dir(loop.Mountpoint)); len(parentAfter) != len(parentBefore) {
		t.Errorf("Root's parent changed: %v -> %v", parentBefore, parentAfter)
	}
	if _, err := os.Stat(backups); !errors.Is(err, os.ErrNotExist) {
		t.Error("Send created the backup directory for a hostile name")
	}
}

// On a Root that is not btrfs every valid-name call fails in the store's
// first check, so getting ErrInvalidSiteName for hostile names there shows
// the name is checked before anything else, not merely that later steps
// happened to be harmless.
func TestNamesAreCheckedFirst(t *testing.T) {
	notBtrfs := &btrfs.Store{Root: "/proc"}
	for _, c := range storeCalls(notBtrfs, t.TempDir()) {
		if err := c.call("../../etc"); !errors.Is(err, btrfs.ErrInvalidSiteName) {
			t.Errorf("%s(hostile) on a non-btrfs root: err = %v, want ErrInvalidSiteName", c.name, err)
		}
		if err := c.call("valid"); err == nil || errors.Is(err, btrfs.ErrInvalidSiteName) {
			t.Errorf("%s(valid) on a non-btrfs root: err = %v, want the filesystem check to fail", c.name, err)
		}
	}
}

func TestHostileSnapshotNamesAreRejected(t *testing.T) {
	s, _ := newStore(t)
	ctx := testContext(t)
	if _, err := s.Ensure(ctx, "site", 1000, 1000, 0); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"", "..", "../../sites/site", "20261122T213000Z/../x", "latest"} {
		if err := s.Restore(ctx, "site", name); !errors.Is(err, btrfs.ErrInvalidSnapshotName) {
			t.Errorf("Restore(%q): err = %v", name, err)
		}
		if _, err := s.Send(ctx, "site", name, t.TempDir()); !errors.Is(err, btrfs.ErrInvalidSnapshotName) {
			t.Errorf("Send(%q): err = %v", name, err)
		}
	}
}
