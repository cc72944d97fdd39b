package btrfs

import (
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Restore replaces the site's live files with snapshotName. The current
// state is first kept as a new snapshot, so a restore can itself be undone.
// The switch is a single renameat2(RENAME_EXCHANGE): at every instant the
// live path holds either the old tree or the restored one, never nothing.
// Owner, mode and quota of the live subvolume carry over.
func (s *Store) Restore(ctx context.Context, site, snapshotName string) error {
	if err := checkSite(site); err != nil {
		return err
	}
	if err := checkSnapshotName(snapshotName); err != nil {
		return err
	}
	root, err := s.root()
	if err != nil {
		return err
	}
	live := livePath(root, site)
	src := snapshotPath(root, site, snapshotName)
	if err := requireSubvolume(src, "snapshot"); err != nil {
		return err
	}
	if err := requireSubvolume(live, "site subvolume"); err != nil {
		return err
	}
	settings, err := readLiveSettings(ctx, live)
	if err != nil {
		return err
	}
	if _, err := s.snapshot(ctx, root, site); err != nil {
		return fmt.Errorf("keep current state before restore: %w", err)
	}

	// The dot prefix can never be a site name, so the staging subvolume
	// cannot collide with a site.
	staging := filepath.Join(sitesDir(root), "."+site+".restore-"+rand.Text())
	if err := snapshotSubvolume(ctx, src, staging, false); err != nil {
		return err
	}
	err = settings.applyTo(ctx, staging)
	if err == nil {
		err = unix.Renameat2(unix.AT_FDCWD, staging, unix.AT_FDCWD, live, unix.RENAME_EXCHANGE)
	}
	if err != nil {
		_ = deleteSubvolume(context.Background(), staging)
		return fmt.Errorf("restore %s to %s: %w", site, snapshotName, err)
	}
	// staging now holds the replaced tree, which the snapshot above kept.
	if err := deleteSubvolume(ctx, staging); err != nil {
		return fmt.Errorf("restored %s, but the replaced subvolume %s remains: %w", site, staging, err)
	}
	return nil
}
