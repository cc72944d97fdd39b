package btrfs_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hostctl/hostctl/provisioner/btrfs"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// snapshotsAt takes one real snapshot per time, oldest first.
func snapshotsAt(t *testing.T, s *btrfs.Store, site string, times ...time.Time) map[time.Time]string {
	t.Helper()
	ctx := testContext(t)
	if _, err := s.Ensure(ctx, site, 1000, 1000, 0); err != nil {
		t.Fatal(err)
	}
	names := map[time.Time]string{}
	for _, when := range times {
		s.Now = clock(when)
		sn, err := s.Snapshot(ctx, site)
		if err != nil {
			t.Fatal(err)
		}
		names[when] = sn.Name
	}
	return names
}

func remaining(t *testing.T, s *btrfs.Store, site string) []string {
	t.Helper()
	snaps, err := s.List(site)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sn := range snaps {
		names = append(names, sn.Name)
	}
	return names
}

func TestPruneKeepsNewestInEachRecentBucket(t *testing.T) {
	s, _ := newStore(t)
	now := at("2026-11-22T21:30:00Z") // a Sunday; its week began Monday the 16th
	var (
		hour0      = at("2026-11-22T21:10:00Z") // newest overall
		hour0Older = at("2026-11-22T21:00:00Z") // same hour, older: goes
		hour1      = at("2026-11-22T20:40:00Z")
		hour2      = at("2026-11-22T19:59:00Z")
		hour3      = at("2026-11-22T18:30:00Z") // past 3 hours, not newest of its day: goes
		day1       = at("2026-11-21T23:00:00Z") // newest of yesterday
		day1Older  = at("2026-11-21T10:00:00Z") // goes
		week1      = at("2026-11-15T12:00:00Z") // newest of last week
		week1Older = at("2026-11-10T08:00:00Z") // goes
		week3      = at("2026-11-01T08:00:00Z") // beyond 2 weeks: goes
	)
	names := snapshotsAt(t, s, "site", week3, week1Older, week1, day1Older, day1, hour3, hour2, hour1, hour0Older, hour0)

	removed, err := s.Prune(testContext(t), "site", btrfs.Retention{Hourly: 3, Daily: 2, Weekly: 2}, now)
	if err != nil {
		t.Fatal(err)
	}
	wantRemoved := []string{names[hour0Older], names[hour3], names[day1Older], names[week1Older], names[week3]}
	if !slices.Equal(removed, wantRemoved) {
		t.Errorf("removed %v, want %v", removed, wantRemoved)
	}
	wantKept := []string{names[hour0], names[hour1], names[hour2], names[day1], names[week1]}
	if got := remaining(t, s, "site"); !slices.Equal(got, wantKept) {
		t.Errorf("kept %v, want %v", got, wantKept)
	}
}

func TestPruneNeverRemovesNewestOrFutureSnapshots(t *testing.T) {
	s, _ := newStore(t)
	now := at("2026-11-22T21:30:00Z")
	names := snapshotsAt(t, s, "site",
		now.Add(-48*time.Hour), now.Add(-time.Hour), now.Add(time.Hour), now.Add(2*time.Hour))

	removed, err := s.Prune(context.Background(), "site", btrfs.Retention{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 2 {
		t.Errorf("removed %v, want the two past snapshots", removed)
	}
	want := []string{names[now.Add(2*time.Hour)], names[now.Add(time.Hour)]}
	if got := remaining(t, s, "site"); !slices.Equal(got, want) {
		t.Errorf("kept %v, want the future ones %v", got, want)
	}

	// With everything in the past, zero retention still keeps the newest.
	removed, err = s.Prune(context.Background(), "site", btrfs.Retention{}, now.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got := remaining(t, s, "site"); len(removed) != 1 || !slices.Equal(got, want[:1]) {
		t.Errorf("removed %v, kept %v; want only the newest kept", removed, got)
	}
}
