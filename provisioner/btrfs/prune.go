package btrfs

import (
	"context"
	"fmt"
	"time"
)

// Retention says how many recent hours, days and weeks keep a snapshot:
// the newest snapshot in each of the last Hourly clock hours, Daily UTC
// days and Weekly ISO weeks (Monday to Sunday, UTC), counting back from
// now and including the current one, whether or not a bucket has any.
type Retention struct {
	Hourly, Daily, Weekly int
}

// Prune deletes the snapshots Retention does not keep and returns their
// names. It never deletes the newest snapshot, one dated after now (a
// clock step backwards must not eat new backups), or the last one sent to
// each backup directory (the next Send needs it as its incremental parent).
func (s *Store) Prune(ctx context.Context, site string, keep Retention, now time.Time) ([]string, error) {
	if err := checkSite(site); err != nil {
		return nil, err
	}
	if keep.Hourly < 0 || keep.Daily < 0 || keep.Weekly < 0 {
		return nil, fmt.Errorf("prune %s: retention counts must not be negative: %+v", site, keep)
	}
	root, err := s.root()
	if err != nil {
		return nil, err
	}
	snaps, err := list(root, site)
	if err != nil {
		return nil, err
	}
	pinned, err := lastSent(root, site)
	if err != nil {
		return nil, err
	}
	kept := retained(snaps, keep, now)
	var removed []string
	for _, sn := range snaps {
		if kept[sn.Name] || pinned[sn.Name] {
			continue
		}
		if err := deleteSubvolume(ctx, sn.Path); err != nil {
			return removed, err
		}
		removed = append(removed, sn.Name)
	}
	return removed, nil
}

// retained picks the names to keep from snaps, which are newest first.
func retained(snaps []Snapshot, keep Retention, now time.Time) map[string]bool {
	kept := map[string]bool{}
	if len(snaps) == 0 {
		return kept
	}
	kept[snaps[0].Name] = true
	for _, sn := range snaps {
		if sn.Time.After(now) {
			kept[sn.Name] = true
		}
	}
	for _, b := range []struct {
		count int
		start func(time.Time) time.Time
		width time.Duration
	}{
		{keep.Hourly, hourStart, time.Hour},
		{keep.Daily, dayStart, 24 * time.Hour},
		{keep.Weekly, weekStart, 7 * 24 * time.Hour},
	} {
		current := b.start(now)
		seen := map[int64]bool{}
		for _, sn := range snaps {
			if sn.Time.After(now) {
				continue
			}
			// UTC has no DST, so every bucket is exactly width long.
			age := int64(current.Sub(b.start(sn.Time)) / b.width)
			if age < int64(b.count) && !seen[age] {
				seen[age] = true // snaps are newest first: the first in a bucket is its newest
				kept[sn.Name] = true
			}
		}
	}
	return kept
}

func hourStart(t time.Time) time.Time { return t.UTC().Truncate(time.Hour) }

func dayStart(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func weekStart(t time.Time) time.Time {
	d := dayStart(t)
	sinceMonday := (int(d.Weekday()) + 6) % 7
	return d.AddDate(0, 0, -sinceMonday)
}
