package btrfs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Send writes snapshotName as a btrfs send stream into backupDir and
// returns the file's path. The stream is incremental against the snapshot
// last sent to backupDir if that snapshot still exists here and its file
// still exists there (a receiver needs both ends of the chain); otherwise
// it is a full stream. Sending the snapshot that was sent last returns the
// existing file.
//
// Files are named <site>.<snapshot>.full.btrfs or
// <site>.<snapshot>.from-<parent>.btrfs, so the directory alone says in
// which order to "btrfs receive" them.
func (s *Store) Send(ctx context.Context, site, snapshotName, backupDir string) (string, error) {
	if err := checkSite(site); err != nil {
		return "", err
	}
	if err := checkSnapshotName(snapshotName); err != nil {
		return "", err
	}
	root, err := s.root()
	if err != nil {
		return "", err
	}
	snap := snapshotPath(root, site, snapshotName)
	if err := requireSubvolume(snap, "snapshot"); err != nil {
		return "", err
	}
	backupDir, err = filepath.Abs(backupDir)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(backupDir, 0o700); err != nil {
		return "", err
	}
	log, err := loadSendLog(root, site, backupDir)
	if err != nil {
		return "", err
	}

	parent := ""
	if last, ok := log.last(); ok && exists(filepath.Join(backupDir, last.File)) {
		if last.Snapshot == snapshotName {
			return filepath.Join(backupDir, last.File), nil
		}
		if ok, _ := isSubvolume(snapshotPath(root, site, last.Snapshot)); ok {
			parent = last.Snapshot
		}
	}
	name := site + "." + snapshotName + ".full.btrfs"
	parentPath := ""
	if parent != "" {
		name = site + "." + snapshotName + ".from-" + parent + ".btrfs"
		parentPath = snapshotPath(root, site, parent)
	}
	file := filepath.Join(backupDir, name)
	if err := sendToFile(ctx, snap, parentPath, file); err != nil {
		return "", err
	}
	log.Sends = append(log.Sends, sentStream{Snapshot: snapshotName, Parent: parent, File: name})
	if err := log.save(root, site); err != nil {
		return "", fmt.Errorf("sent %s but could not record it: %w", file, err)
	}
	return file, nil
}

// sendToFile streams into a temporary name and renames only after fsync:
// a backup directory must never hold a truncated stream under a real name.
func sendToFile(ctx context.Context, snap, parent, file string) error {
	partial := filepath.Join(filepath.Dir(file), "."+filepath.Base(file)+".partial")
	defer os.Remove(partial)
	args := []string{"send", "-q", "-f", partial}
	if parent != "" {
		args = append(args, "-p", parent)
	}
	if _, err := btrfs(ctx, append(args, snap)...); err != nil {
		return err
	}
	if err := syncFile(partial); err != nil {
		return err
	}
	if err := os.Rename(partial, file); err != nil {
		return err
	}
	return syncFile(filepath.Dir(file))
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return !errors.Is(err, fs.ErrNotExist)
}
