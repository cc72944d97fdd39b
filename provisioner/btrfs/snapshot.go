package btrfs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Snapshot is one read-only copy of a site's files.
type Snapshot struct {
	Site string
	Name string // e.g. 20261122T213000Z, or 20261122T213000Z-2 for a second one that second
	Time time.Time
	Path string
}

// Snapshot takes a read-only snapshot of the site's live subvolume, named
// after the current UTC time.
func (s *Store) Snapshot(ctx context.Context, site string) (Snapshot, error) {
	if err := checkSite(site); err != nil {
		return Snapshot{}, err
	}
	root, err := s.root()
	if err != nil {
		return Snapshot{}, err
	}
	return s.snapshot(ctx, root, site)
}

func (s *Store) snapshot(ctx context.Context, root, site string) (Snapshot, error) {
	live := livePath(root, site)
	if err := requireSubvolume(live, "site subvolume"); err != nil {
		return Snapshot{}, err
	}
	dir := snapshotsDir(root, site)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Snapshot{}, err
	}
	at := s.now().UTC().Truncate(time.Second)
	name, err := freeName(dir, at)
	if err != nil {
		return Snapshot{}, err
	}
	path := filepath.Join(dir, name)
	if err := snapshotSubvolume(ctx, live, path, true); err != nil {
		return Snapshot{}, err
	}
	return Snapshot{Site: site, Name: name, Time: at, Path: path}, nil
}

// freeName adds -2, -3, … when a snapshot already has this second's name.
// Checking before creating is enough because a site's operations are
// serialised (see Store).
func freeName(dir string, at time.Time) (string, error) {
	base := at.Format(stampLayout)
	for n := 1; n < 1000; n++ {
		name := base
		if n > 1 {
			name = base + "-" + strconv.Itoa(n)
		}
		if _, err := os.Lstat(filepath.Join(dir, name)); errors.Is(err, fs.ErrNotExist) {
			return name, nil
		}
	}
	return "", fmt.Errorf("too many snapshots at %s", base)
}

// parseName reads the time and same-second sequence from a snapshot name.
func parseName(name string) (at time.Time, seq int, ok bool) {
	if checkSnapshotName(name) != nil {
		return time.Time{}, 0, false
	}
	stamp, suffix, _ := strings.Cut(name, "-")
	at, err := time.Parse(stampLayout, stamp)
	if err != nil {
		return time.Time{}, 0, false
	}
	seq = 1
	if suffix != "" {
		seq, _ = strconv.Atoi(suffix)
	}
	return at, seq, true
}

// List returns the site's snapshots, newest first. A site without
// snapshots, or without a subvolume, has an empty list.
func (s *Store) List(site string) ([]Snapshot, error) {
	if err := checkSite(site); err != nil {
		return nil, err
	}
	root, err := s.root()
	if err != nil {
		return nil, err
	}
	return list(root, site)
}

type listed struct {
	Snapshot
	seq int
}

func list(root, site string) ([]Snapshot, error) {
	dir := snapshotsDir(root, site)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var found []listed
	for _, e := range entries {
		at, seq, ok := parseName(e.Name())
		if !ok || !e.IsDir() {
			continue // not ours; leave it alone
		}
		found = append(found, listed{Snapshot{Site: site, Name: e.Name(), Time: at, Path: filepath.Join(dir, e.Name())}, seq})
	}
	// Sorted on parsed fields: "…Z-10" must come after "…Z-9".
	slices.SortFunc(found, func(a, b listed) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return b.seq - a.seq
	})
	out := make([]Snapshot, len(found))
	for i, f := range found {
		out[i] = f.Snapshot
	}
	return out, nil
}
