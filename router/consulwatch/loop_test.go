package consulwatch

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	consul "github.com/hashicorp/consul/api"
)

// answer is one scripted reply of a fake blocking query: an error, or a
// result carrying index.
type answer struct {
	index uint64
	err   error
}

var errConsulDown = errors.New("consul down")

// loopRun is what follow did with a scripted query.
type loopRun struct {
	waitIndexes []uint64        // WaitIndex of every query made
	results     []uint64        // index of every answer passed on
	health      []error         // every Health report
	sleeps      []time.Duration // every backoff
	opts        []*consul.QueryOptions
}

// runScript runs follow over script, then cancels as the next query
// arrives, as a watcher's shutdown does mid-query.
func runScript(t *testing.T, script []answer) loopRun {
	t.Helper()
	var r loopRun
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &Watcher{Log: slog.New(slog.DiscardHandler), Health: func(err error) { r.health = append(r.health, err) },
		sleep: func(_ context.Context, d time.Duration) { r.sleeps = append(r.sleeps, d) }}
	run := func(o *consul.QueryOptions) (uint64, *consul.QueryMeta, error) {
		r.waitIndexes = append(r.waitIndexes, o.WaitIndex)
		r.opts = append(r.opts, o)
		if len(r.waitIndexes) > len(script) {
			cancel()
			return 0, nil, o.Context().Err()
		}
		a := script[len(r.waitIndexes)-1]
		if a.err != nil {
			return 0, nil, a.err
		}
		return a.index, &consul.QueryMeta{LastIndex: a.index}, nil
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		follow(ctx, w, "test", "Status != \"passing\"", run, func(res, index uint64) {
			if res != index {
				t.Errorf("result %d passed with index %d", res, index)
			}
			r.results = append(r.results, index)
		})
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("follow did not stop when its context ended")
	}
	return r
}

func TestFollowTracksTheIndex(t *testing.T) {
	down := answer{err: errConsulDown}
	cases := []struct {
		name        string
		script      []answer
		waitIndexes []uint64
	}{
		{"index advances", []answer{{index: 5}, {index: 9}}, []uint64{0, 5, 9}},
		{"index going backwards resets to 0", []answer{{index: 5}, {index: 9}, {index: 3}, {index: 7}}, []uint64{0, 5, 9, 0, 7}},
		{"index 0 becomes 1, never a query that returns at once", []answer{{index: 5}, {index: 0}, {index: 2}}, []uint64{0, 5, 1, 2}},
		{"unchanged index waits again", []answer{{index: 5}, {index: 5}}, []uint64{0, 5, 5}},
		{"an error starts over from 0", []answer{{index: 5}, down, {index: 6}}, []uint64{0, 5, 0, 6}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runScript(t, c.script)
			if !slices.Equal(r.waitIndexes, c.waitIndexes) {
				t.Errorf("WaitIndex %v, want %v", r.waitIndexes, c.waitIndexes)
			}
			var want []uint64
			for _, a := range c.script {
				if a.err == nil {
					want = append(want, a.index)
				}
			}
			if !slices.Equal(r.results, want) {
				t.Errorf("results %v, want every answer %v", r.results, want)
			}
			for _, o := range r.opts {
				if o.WaitTime != WaitTime || !o.AllowStale || o.Filter != `Status != "passing"` || o.Context() == nil {
					t.Fatalf("options %+v", o)
				}
			}
		})
	}
}

// TestFollowBacksOffAndRecovers: consecutive errors back off longer each
// time and are reported to Health; an answer reports healthy and resets
// the backoff.
func TestFollowBacksOffAndRecovers(t *testing.T) {
	down := answer{err: errConsulDown}
	r := runScript(t, []answer{down, down, down, {index: 4}, down})
	wantHealth := []error{errConsulDown, errConsulDown, errConsulDown, nil, errConsulDown}
	if !slices.Equal(r.health, wantHealth) {
		t.Errorf("health reports %v, want %v", r.health, wantHealth)
	}
	// backoff.next doubles its ceiling from minBackoff and jitters in
	// the upper half; the fourth starts again after the success.
	ceilings := []time.Duration{minBackoff, 2 * minBackoff, 4 * minBackoff, minBackoff}
	if len(r.sleeps) != len(ceilings) {
		t.Fatalf("backoffs %v, want %d", r.sleeps, len(ceilings))
	}
	for i, d := range r.sleeps {
		if d < ceilings[i]/2 || d > ceilings[i] {
			t.Errorf("backoff %d = %s, want within [%s, %s]", i, d, ceilings[i]/2, ceilings[i])
		}
	}
	if !slices.Equal(r.results, []uint64{4}) {
		t.Errorf("results %v", r.results)
	}
}

// TestFollowStopsOnCancel: a cancelled query, whether blocked in Consul or
// backing off after an error, ends the loop without reporting Consul as
// failing.
func TestFollowStopsOnCancel(t *testing.T) {
	cases := []struct {
		name string
		err  error // what the query returns before the cancel
	}{
		{"while blocked in a query", nil},
		{"while backing off", errConsulDown},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var reports []error
			var cancelled time.Time
			// Health hears of the error just before the backoff starts:
			// cancelling there must cut the backoff (a real timer, at least
			// minBackoff/2) short.
			w := &Watcher{Log: slog.New(slog.DiscardHandler), Health: func(err error) {
				reports = append(reports, err)
				if err != nil {
					cancelled = time.Now()
					cancel()
				}
			}}
			calls := 0
			run := func(o *consul.QueryOptions) (int, *consul.QueryMeta, error) {
				calls++
				if calls > 1 {
					t.Error("queried again after the cancel")
				}
				if c.err != nil {
					return 0, nil, c.err
				}
				time.AfterFunc(10*time.Millisecond, func() { cancelled = time.Now(); cancel() })
				<-o.Context().Done()
				return 0, nil, o.Context().Err()
			}
			follow(ctx, w, "test", "", run, func(int, uint64) { t.Error("an answer after the cancel") })
			if d := time.Since(cancelled); d > minBackoff/3 {
				t.Errorf("took %s to stop after the cancel", d)
			}
			wantReports := 0
			if c.err != nil {
				wantReports = 1
			}
			if len(reports) != wantReports {
				t.Errorf("health reports %v: only the query's own error counts, not the cancel", reports)
			}
		})
	}
}

// TestFollowKeepsItsQueryGap: a watch whose every query answers at once
// (changes arriving faster than it can fetch) still queries at most once
// per QueryGap, so a burst is fetched a few times, not once per change.
func TestFollowKeepsItsQueryGap(t *testing.T) {
	for _, c := range []struct {
		name     string
		gap      time.Duration
		min, max int
	}{
		{"gap of 100 ms", 100 * time.Millisecond, 4, 7},
		{"no gap", -1, 50, 1 << 30},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			w := &Watcher{Log: slog.New(slog.DiscardHandler), QueryGap: c.gap}
			queries := 0
			run := func(*consul.QueryOptions) (uint64, *consul.QueryMeta, error) {
				queries++
				return uint64(queries), &consul.QueryMeta{LastIndex: uint64(queries)}, nil
			}
			follow(ctx, w, "test", "", run, func(uint64, uint64) {})
			if queries < c.min || queries > c.max {
				t.Errorf("%d queries in 500 ms, want %d..%d", queries, c.min, c.max)
			}
		})
	}
}
