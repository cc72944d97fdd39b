package btrfs_test

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hostctl/hostctl/provisioner/btrfs"
)

func size(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func receive(t *testing.T, file, dir string) {
	t.Helper()
	if out, err := exec.Command("btrfs", "receive", "-f", file, dir).CombinedOutput(); err != nil {
		t.Fatalf("btrfs receive %s: %v: %s", filepath.Base(file), err, out)
	}
}

func TestSendFullThenIncrementalReceivesIdentically(t *testing.T) {
	s, loop := newStore(t)
	ctx := testContext(t)
	path, err := s.Ensure(ctx, "shop", 1000, 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(path, "catalogue.bin"), randomBytes(4<<20))
	base := at("2026-11-22T10:00:00Z")
	s.Now = clock(base, base.Add(time.Hour), base.Add(2*time.Hour), base.Add(3*time.Hour))
	first, err := s.Snapshot(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	backups := t.TempDir()

	full, err := s.Send(ctx, "shop", first.Name, backups)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(full) != "shop."+first.Name+".full.btrfs" || size(t, full) < 4<<20 {
		t.Fatalf("full stream %s is %d bytes", full, size(t, full))
	}

	writeFile(t, filepath.Join(path, "order.txt"), []byte("one more order"))
	second, err := s.Snapshot(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	incr, err := s.Send(ctx, "shop", second.Name, backups)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(incr) != "shop."+second.Name+".from-"+first.Name+".btrfs" {
		t.Errorf("incremental stream named %s", filepath.Base(incr))
	}
	if size(t, incr) >= size(t, full)/10 {
		t.Errorf("incremental stream is %d bytes against a %d-byte full one", size(t, incr), size(t, full))
	}
	if again, err := s.Send(ctx, "shop", second.Name, backups); err != nil || again != incr {
		t.Errorf("resending the last snapshot = %s, %v; want the existing file", again, err)
	}
	entries, _ := os.ReadDir(backups)
	if len(entries) != 2 {
		t.Errorf("backup directory holds %d entries, want the two streams and no leftovers", len(entries))
	}

	// The streams are only worth something if they replay.
	received := filepath.Join(loop.Mountpoint, "received")
	if err := os.Mkdir(received, 0o700); err != nil {
		t.Fatal(err)
	}
	receive(t, full, received)
	receive(t, incr, received)
	if got, want := tree(t, filepath.Join(received, second.Name)), tree(t, second.Path); !maps.Equal(got, want) {
		t.Error("received snapshot differs from the one sent")
	}

	// Prune must keep the last-sent snapshot: the next Send needs it.
	third, err := s.Snapshot(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	removed, err := s.Prune(ctx, "shop", btrfs.Retention{}, base.Add(5*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(removed, []string{first.Name}) {
		t.Errorf("Prune removed %v, want only %s (second is pinned as last sent)", removed, first.Name)
	}

	// A different backup directory has its own history and starts full;
	// once its parent snapshot is gone, the next send is full again.
	other := t.TempDir()
	if f, err := s.Send(ctx, "shop", third.Name, other); err != nil || !strings.HasSuffix(f, ".full.btrfs") {
		t.Fatalf("first send to a new directory = %s, %v; want full", f, err)
	}
	if out, err := exec.Command("btrfs", "subvolume", "delete", third.Path).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	fourth, err := s.Snapshot(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	if f, err := s.Send(ctx, "shop", fourth.Name, other); err != nil || !strings.HasSuffix(f, ".full.btrfs") {
		t.Errorf("send after the parent was deleted = %s, %v; want full", f, err)
	}
}
