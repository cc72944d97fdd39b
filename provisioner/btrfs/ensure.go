package btrfs

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// siteMode lets the site's group (the web server's, say) read but nobody
// else in.
const siteMode = 0o750

// Ensure makes Root/sites/<site> a subvolume owned by uid:gid with mode
// 0750 and a quota of quotaBytes (0 = none), creating it if needed. It is
// safe to repeat, and a changed owner or quota is applied.
func (s *Store) Ensure(ctx context.Context, site string, uid, gid int, quotaBytes int64) (string, error) {
	if err := checkSite(site); err != nil {
		return "", err
	}
	if uid < 0 || gid < 0 || quotaBytes < 0 {
		return "", fmt.Errorf("ensure %s: uid %d, gid %d and quota %d must not be negative", site, uid, gid, quotaBytes)
	}
	root, err := s.root()
	if err != nil {
		return "", err
	}
	if err := makeLayout(root); err != nil {
		return "", err
	}
	live := livePath(root, site)
	exists, err := isSubvolume(live)
	if err != nil {
		return "", err
	}
	if !exists {
		if err := createSubvolume(ctx, live); err != nil {
			return "", err
		}
	}
	if err := reown(live, uid, gid); err != nil {
		return "", err
	}
	if err := applyOwnership(live, uid, gid, siteMode); err != nil {
		return "", err
	}
	if err := setQuota(ctx, live, quotaBytes); err != nil {
		return "", err
	}
	return live, nil
}

// applyOwnership sets owner before mode so the directory is never
// group-readable by the wrong group.
func applyOwnership(path string, uid, gid int, mode os.FileMode) error {
	if err := os.Chown(path, uid, gid); err != nil {
		return err
	}
	return os.Chmod(path, mode)
}

// reown hands a site's files to its current uid when the subvolume belongs
// to another: a site whose account was made again (a rebuilt control
// plane) must not find its own files unreadable. Only entries owned by the
// old owner change; anything else in there was put there on purpose.
func reown(live string, uid, gid int) error {
	fi, err := os.Lstat(live)
	if err != nil {
		return err
	}
	st := fi.Sys().(*syscall.Stat_t)
	old := int(st.Uid)
	if old == uid {
		return nil
	}
	return filepath.WalkDir(live, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if s := info.Sys().(*syscall.Stat_t); int(s.Uid) == old {
			return os.Lchown(p, uid, gid)
		}
		return nil
	})
}
