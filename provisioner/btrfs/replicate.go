package btrfs

import (
	"context"
	"fmt"
	"os"
	"time"
)

// Sent is one round of Replicate.
type Sent struct {
	Snapshot string `json:"snapshot"`
	// Parent is the snapshot the stream was incremental against; "" for
	// a full stream.
	Parent string        `json:"parent,omitempty"`
	Bytes  int64         `json:"bytes"`
	Took   time.Duration `json:"took_ns"`
}

// Replicate copies the site's files to the store `to`, on this machine,
// while the site may still be writing them: it takes a read-only snapshot
// and pipes `btrfs send` straight into `btrfs receive` in to's snapshot
// directory. The stream is incremental against the newest snapshot both
// stores hold (the previous round's), full when there is none, so each
// round sends only what changed since the one before. Replicate refuses a
// target that already holds the site's live subvolume: that is a site, not
// a copy in progress, and receiving over it could lose its files.
func (s *Store) Replicate(ctx context.Context, site string, to *Store) (Sent, error) {
	if err := checkSite(site); err != nil {
		return Sent{}, err
	}
	src, dst, err := s.pair(site, to)
	if err != nil {
		return Sent{}, err
	}
	if err := requireSubvolume(livePath(src, site), "site subvolume"); err != nil {
		return Sent{}, err
	}
	if err := makeLayout(dst); err != nil {
		return Sent{}, err
	}
	parent, err := newestCommon(src, dst, site)
	if err != nil {
		return Sent{}, err
	}
	snap, err := s.snapshot(ctx, src, site)
	if err != nil {
		return Sent{}, err
	}
	into := snapshotsDir(dst, site)
	if err := os.MkdirAll(into, 0o700); err != nil {
		return Sent{}, err
	}
	args := []string{"send", "-q"}
	if parent != "" {
		args = append(args, "-p", snapshotPath(src, site, parent))
	}
	t0 := time.Now()
	n, err := pipe(ctx, append(args, snap.Path), []string{"receive", into})
	if err != nil {
		// A half-received subvolume has no received UUID, so it could
		// never be a parent: remove it, and the snapshot it was of, so
		// the next round starts from the last good one.
		if ok, _ := isSubvolume(snapshotPath(dst, site, snap.Name)); ok {
			_ = deleteSubvolume(context.Background(), snapshotPath(dst, site, snap.Name))
		}
		_ = deleteSubvolume(context.Background(), snap.Path)
		return Sent{}, fmt.Errorf("replicate %s to %s: %w", site, dst, err)
	}
	return Sent{Snapshot: snap.Name, Parent: parent, Bytes: n, Took: time.Since(t0)}, nil
}

// Promote makes the last snapshot Replicate sent to `to` the site's live
// subvolume there: a writable snapshot of it, with the owner, mode and
// quota the site's live subvolume has here (what Ensure set). The caller
// stops the site before the last Replicate, so that snapshot holds every
// write. The live subvolume here is left alone: it is deleted only once
// the site serves from the target.
func (s *Store) Promote(ctx context.Context, site string, to *Store) error {
	if err := checkSite(site); err != nil {
		return err
	}
	src, dst, err := s.pair(site, to)
	if err != nil {
		return err
	}
	live := livePath(src, site)
	if err := requireSubvolume(live, "site subvolume"); err != nil {
		return err
	}
	snaps, err := list(src, site)
	if err != nil {
		return err
	}
	last, err := newestCommon(src, dst, site)
	if err != nil {
		return err
	}
	if last == "" || snaps[0].Name != last {
		return fmt.Errorf("promote %s in %s: its newest snapshot was not replicated there; replicate again", site, dst)
	}
	settings, err := readLiveSettings(ctx, live)
	if err != nil {
		return err
	}
	target := livePath(dst, site)
	if err := snapshotSubvolume(ctx, snapshotPath(dst, site, last), target, false); err != nil {
		return err
	}
	if err := settings.applyTo(ctx, target); err != nil {
		_ = deleteSubvolume(context.Background(), target)
		return fmt.Errorf("promote %s in %s: %w", site, dst, err)
	}
	return nil
}

// pair resolves both roots, refusing a store replicated into itself and a
// target where the site is already live.
func (s *Store) pair(site string, to *Store) (src, dst string, err error) {
	if src, err = s.root(); err != nil {
		return "", "", err
	}
	if dst, err = to.root(); err != nil {
		return "", "", err
	}
	if src == dst {
		return "", "", fmt.Errorf("replicate %s: source and target are the same store %s", site, src)
	}
	live, err := isSubvolume(livePath(dst, site))
	if err != nil {
		return "", "", err
	}
	if live {
		return "", "", fmt.Errorf("store %s already holds site %s (%s); delete it there first if it is a stale copy", dst, site, livePath(dst, site))
	}
	return src, dst, nil
}

// newestCommon is the newest snapshot of the site present in both stores:
// the parent of the next incremental stream ("" if none). btrfs receive
// itself checks that the parent it finds is the one the stream was made
// against, so a same-named stranger fails loudly instead of corrupting.
func newestCommon(src, dst, site string) (string, error) {
	there, err := list(dst, site)
	if err != nil {
		return "", err
	}
	have := map[string]bool{}
	for _, sn := range there {
		have[sn.Name] = true
	}
	here, err := list(src, site)
	if err != nil {
		return "", err
	}
	for _, sn := range here {
		if have[sn.Name] {
			return sn.Name, nil
		}
	}
	return "", nil
}
