package sleep

import (
	"slices"
	"strconv"
	"testing"
	"time"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
)

func TestIdle(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	for _, tc := range []struct {
		name       string
		seen       time.Time
		submit     time.Time
		sleepAfter time.Duration
		want       bool
	}{
		{"idle longer than sleep_after", now.Add(-11 * time.Minute), now.Add(-time.Hour), 10 * time.Minute, true},
		{"idle exactly sleep_after", now.Add(-10 * time.Minute), now.Add(-time.Hour), 10 * time.Minute, true},
		{"seen recently", now.Add(-9 * time.Minute), now.Add(-time.Hour), 10 * time.Minute, false},
		{"never seen, deployed long ago", time.Time{}, now.Add(-time.Hour), 10 * time.Minute, true},
		{"never seen, just deployed", time.Time{}, now.Add(-time.Minute), 10 * time.Minute, false},
		{"seen long ago, just woken", now.Add(-time.Hour), now.Add(-time.Minute), 10 * time.Minute, false},
		{"never sleeps", now.Add(-24 * time.Hour), now.Add(-24 * time.Hour), 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := idle(now, lastActive(tc.seen, tc.submit.UnixNano()), tc.sleepAfter); got != tc.want {
				t.Errorf("idle = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDueToSleep(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	old := now.Add(-time.Hour).UnixNano()
	stub := func(id, site, after string, mod func(*nomad.JobListStub)) *nomad.JobListStub {
		j := &nomad.JobListStub{ID: id, Type: nomad.JobTypeService, SubmitTime: old, JobModifyIndex: 7,
			Meta: map[string]string{contract.MetaSite: site, contract.MetaSleepAfter: after}}
		if mod != nil {
			mod(j)
		}
		return j
	}
	jobs := []*nomad.JobListStub{
		stub("idle", "idle", "600", nil),
		stub("never-seen", "never-seen", "600", nil),
		stub("busy", "busy", "600", nil),
		stub("asleep", "asleep", "600", nil),
		stub("always", "always", "0", nil),
		stub("no-meta", "no-meta", "", nil),
		stub("off", "off", "600", nil),
		stub("off-then-changed", "off-then-changed", "600", func(j *nomad.JobListStub) { j.JobModifyIndex = 9 }),
		stub("stopped", "stopped", "600", func(j *nomad.JobListStub) { j.Stop = true }),
		stub("fresh", "fresh", "600", func(j *nomad.JobListStub) { j.SubmitTime = now.Add(-time.Minute).UnixNano() }),
		stub("cron", "other", "600", nil),
		stub("batch", "batch", "600", func(j *nomad.JobListStub) { j.Type = nomad.JobTypeBatch }),
	}
	seen := map[string]time.Time{"busy": now.Add(-time.Minute), "idle": now.Add(-20 * time.Minute)}
	asleep := map[string]State{"asleep": {Site: "asleep", Asleep: true}}
	skip := map[string]uint64{"off": 7, "off-then-changed": 7}
	var got []string
	for _, c := range dueToSleep(now, jobs, asleep, seen, skip) {
		got = append(got, c.Site+"@"+strconv.FormatInt(now.Sub(c.Last).Milliseconds()/1000, 10))
	}
	want := []string{"idle@1200", "never-seen@3600", "off-then-changed@3600"}
	if !slices.Equal(got, want) {
		t.Errorf("due (site@idle seconds) = %v, want %v", got, want)
	}
}

func TestClaimed(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	for _, tc := range []struct {
		name, claim string
		index       uint64
		want        bool
	}{
		{"fresh claim on this version", "42,1800000000", 42, true},
		{"claim on an older version", "41,1800000000", 42, false},
		{"stale claim", "42,1799999980", 42, false},
		{"no claim", "", 42, false},
		{"garbage", "x,y", 42, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := claimed(tc.claim, tc.index, now); got != tc.want {
				t.Errorf("claimed(%q, %d) = %v", tc.claim, tc.index, got)
			}
		})
	}
}
