package btrfs_test

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/hostctl/hostctl/provisioner/btrfs"
)

// owned adds each entry's owner to tree's content-and-mode digest.
func owned(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := tree(t, dir)
	for rel := range out {
		fi, err := os.Lstat(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		out[rel] += fmt.Sprintf(" %d:%d", st.Uid, st.Gid)
	}
	return out
}

func TestReplicateFullThenIncrementalThenPromote(t *testing.T) {
	from, _ := newStore(t)
	to, _ := newStore(t)
	ctx := testContext(t)
	live, err := from.Ensure(ctx, "shop", nobody, nobody, 64<<20)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(live, "uploads/big.bin"), randomBytes(4<<20))
	writeFile(t, filepath.Join(live, "uploads/gone.txt"), []byte("deleted before the last round"))
	writeFile(t, filepath.Join(live, "private.txt"), []byte("site only"))
	for _, p := range []string{"uploads", "uploads/big.bin", "uploads/gone.txt", "private.txt"} {
		if err := os.Lchown(filepath.Join(live, p), nobody, nobody); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(live, "private.txt"), 0o600); err != nil {
		t.Fatal(err)
	}

	full, err := from.Replicate(ctx, "shop", to)
	if err != nil {
		t.Fatal(err)
	}
	if full.Parent != "" || full.Bytes < 4<<20 {
		t.Errorf("first round = %+v; want a full stream of at least 4 MiB", full)
	}

	// Writes while the copy runs: a new file, a changed one, a deleted one.
	writeFile(t, filepath.Join(live, "uploads/new.txt"), []byte("after the full copy"))
	writeFile(t, filepath.Join(live, "private.txt"), []byte("changed"))
	if err := os.Remove(filepath.Join(live, "uploads/gone.txt")); err != nil {
		t.Fatal(err)
	}
	incr, err := from.Replicate(ctx, "shop", to)
	if err != nil {
		t.Fatal(err)
	}
	if incr.Parent != full.Snapshot || incr.Bytes >= full.Bytes/10 {
		t.Errorf("second round = %+v; want incremental from %s and far smaller than %d bytes", incr, full.Snapshot, full.Bytes)
	}
	if err := from.Promote(ctx, "shop", to); err != nil {
		t.Fatal(err)
	}

	moved := filepath.Join(to.Root, "sites", "shop")
	if got, want := owned(t, moved), owned(t, live); !maps.Equal(got, want) {
		t.Errorf("target differs from source:\n got %v\nwant %v", got, want)
	}
	if _, err := os.Lstat(filepath.Join(moved, "uploads/gone.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file deleted between rounds is still in the target: %v", err)
	}
	if uid, gid, mode := ownerOf(t, moved); uid != nobody || gid != nobody || mode != 0o750 {
		t.Errorf("target live subvolume is %d:%d %o; want %d:%d 750", uid, gid, mode, nobody, nobody)
	}
	if got := quotaOf(t, moved); got != mib(64) {
		t.Errorf("target quota = %s; want %s", got, mib(64))
	}
	if _, err := os.Stat(filepath.Join(live, "private.txt")); err != nil {
		t.Errorf("source must stay until the caller deletes it: %v", err)
	}
	// The target's snapshots are the site's snapshots there.
	if snaps, err := to.List("shop"); err != nil || len(snaps) != 2 {
		t.Errorf("target snapshots = %v, %v; want the two received", snaps, err)
	}
	// It is now a site there: another copy must not land on it.
	if _, err := from.Replicate(ctx, "shop", to); err == nil {
		t.Error("replicating onto a store where the site is live succeeded")
	}
}

func TestReplicateRefuses(t *testing.T) {
	from, _ := newStore(t)
	to, _ := newStore(t)
	ctx := testContext(t)
	if _, err := from.Ensure(ctx, "shop", nobody, nobody, 0); err != nil {
		t.Fatal(err)
	}
	for _, site := range []string{"../shop", "Shop", "", "shop/../../etc", "-p"} {
		t.Run(fmt.Sprintf("site %q", site), func(t *testing.T) {
			if _, err := from.Replicate(ctx, site, to); !errors.Is(err, btrfs.ErrInvalidSiteName) {
				t.Errorf("Replicate = %v; want ErrInvalidSiteName", err)
			}
			if err := from.Promote(ctx, site, to); !errors.Is(err, btrfs.ErrInvalidSiteName) {
				t.Errorf("Promote = %v; want ErrInvalidSiteName", err)
			}
		})
	}
	t.Run("the same store", func(t *testing.T) {
		if _, err := from.Replicate(ctx, "shop", &btrfs.Store{Root: from.Root}); err == nil {
			t.Error("replicating a store into itself succeeded")
		}
	})
	t.Run("a site without media", func(t *testing.T) {
		if _, err := from.Replicate(ctx, "other", to); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Replicate = %v; want not exist", err)
		}
	})
	t.Run("promote before any copy", func(t *testing.T) {
		if err := from.Promote(ctx, "shop", to); err == nil {
			t.Error("promoting with nothing replicated succeeded")
		}
	})
	entries, _ := os.ReadDir(filepath.Join(to.Root, "sites"))
	if len(entries) != 0 {
		t.Errorf("refused calls left %v in the target", entries)
	}
}
