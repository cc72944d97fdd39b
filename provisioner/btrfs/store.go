// Package btrfs keeps each site's files in its own btrfs subvolume, with a
// qgroup limit as its disk quota, read-only snapshots, atomic restore,
// retention pruning and (incremental) send streams for off-machine backup.
//
// Every exported function that takes a site name checks it with
// contract.CheckSiteName before it joins a path or runs btrfs.
package btrfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Store is a directory on a mounted btrfs filesystem with quotas enabled:
//
//	Root/sites/<site>                live subvolume, the site's files
//	Root/snapshots/<site>/<stamp>    read-only snapshots
//	Root/sent/<site>/<key>.json      what was sent to which backup directory
//
// Operations on one site must not run concurrently (the controller works
// on a site at a time); different sites are independent.
type Store struct {
	Root string
	// Now stamps new snapshots; nil means time.Now. Tests set it to make
	// snapshots with chosen ages.
	Now func() time.Time
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// root resolves Root and checks it is on btrfs: a subvolume "created" on
// another filesystem would fail later and less clearly.
func (s *Store) root() (string, error) {
	root, err := filepath.Abs(s.Root)
	if err != nil {
		return "", err
	}
	var st unix.Statfs_t
	if err := unix.Statfs(root, &st); err != nil {
		return "", fmt.Errorf("store root: %w", err)
	}
	if st.Type != unix.BTRFS_SUPER_MAGIC {
		return "", fmt.Errorf("store root %s is not on btrfs", root)
	}
	return root, nil
}

func sitesDir(root string) string           { return filepath.Join(root, "sites") }
func livePath(root, site string) string     { return filepath.Join(root, "sites", site) }
func snapshotsDir(root, site string) string { return filepath.Join(root, "snapshots", site) }
func snapshotPath(root, site, name string) string {
	return filepath.Join(root, "snapshots", site, name)
}
func sentDir(root, site string) string { return filepath.Join(root, "sent", site) }

// makeLayout creates the top-level directories. sites/ must be searchable
// by every site's uid to reach its own subvolume; snapshots/ and sent/
// hold copies of everyone's data and stay root-only.
func makeLayout(root string) error {
	for dir, mode := range map[string]os.FileMode{
		"sites": 0o755, "snapshots": 0o700, "sent": 0o700,
	} {
		p := filepath.Join(root, dir)
		if err := os.Mkdir(p, mode); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
	}
	return nil
}

// btrfsFirstFreeObjectID is the inode number of every subvolume's root
// directory and of no other directory, so it tells a subvolume from a
// plain directory without running btrfs.
const btrfsFirstFreeObjectID = 256

// isSubvolume reports false for a missing path and an error for anything
// at path that is not a subvolume, since overwriting it would lose data.
func isSubvolume(path string) (bool, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !fi.IsDir() || fi.Sys().(*syscall.Stat_t).Ino != btrfsFirstFreeObjectID {
		return false, fmt.Errorf("%s exists and is not a btrfs subvolume", path)
	}
	return true, nil
}

func requireSubvolume(path, what string) error {
	ok, err := isSubvolume(path)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s %s does not exist: %w", what, path, fs.ErrNotExist)
	}
	return nil
}
