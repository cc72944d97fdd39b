package btrfs_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hostctl/hostctl/provisioner/btrfs"
)

func TestDeleteRemovesSiteAndSnapshotsOnly(t *testing.T) {
	s, loop := newStore(t)
	ctx := testContext(t)
	for _, site := range []string{"gone", "stays"} {
		if _, err := s.Ensure(ctx, site, 1000, 1000, 0); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := s.Snapshot(ctx, site); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.Send(ctx, "gone", mustNewest(t, s, "gone"), t.TempDir()); err != nil {
		t.Fatal(err)
	}

	if err := s.Delete(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"sites/gone", "snapshots/gone", "sent/gone"} {
		if _, err := os.Lstat(filepath.Join(s.Root, p)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still exists after Delete", p)
		}
	}
	out, err := exec.Command("btrfs", "subvolume", "list", "-o", loop.Mountpoint).Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "/gone") || strings.Count(string(out), "stays") != 3 {
		t.Errorf("subvolumes after Delete:\n%s\nwant only stays and its two snapshots", out)
	}
	if err := s.Delete(ctx, "gone"); err != nil {
		t.Errorf("Delete of a deleted site: %v", err)
	}
}

func mustNewest(t *testing.T, s *btrfs.Store, site string) string {
	t.Helper()
	snaps, err := s.List(site)
	if err != nil || len(snaps) == 0 {
		t.Fatalf("List(%s) = %v, %v", site, snaps, err)
	}
	return snaps[0].Name
}
