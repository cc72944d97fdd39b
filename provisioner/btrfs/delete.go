package btrfs

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Delete removes the site's live subvolume, its snapshots, any staging
// subvolume an interrupted Restore left, and its send records. Backup
// files already written elsewhere are not touched. A site that is already
// gone is not an error.
func (s *Store) Delete(ctx context.Context, site string) error {
	if err := checkSite(site); err != nil {
		return err
	}
	root, err := s.root()
	if err != nil {
		return err
	}
	snaps, err := list(root, site)
	if err != nil {
		return err
	}
	for _, sn := range snaps {
		if err := deleteSubvolume(ctx, sn.Path); err != nil {
			return err
		}
	}
	staging, err := stagingSubvolumes(root, site)
	if err != nil {
		return err
	}
	for _, p := range append(staging, livePath(root, site)) {
		ok, err := isSubvolume(p)
		if err != nil {
			return err
		}
		if ok {
			if err := deleteSubvolume(ctx, p); err != nil {
				return err
			}
		}
	}
	// Anything in the snapshot directory that List did not recognise is
	// not ours to delete; it makes Remove fail, which is reported.
	if err := os.Remove(snapshotsDir(root, site)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return os.RemoveAll(sentDir(root, site))
}

// stagingSubvolumes finds Restore's ".<site>.restore-*" leftovers. Site
// names contain no dots, so the prefix cannot match another site's.
func stagingSubvolumes(root, site string) ([]string, error) {
	entries, err := os.ReadDir(sitesDir(root))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "."+site+".restore-") {
			out = append(out, filepath.Join(sitesDir(root), e.Name()))
		}
	}
	return out, nil
}
