package consulwatch

import (
	"context"
	"errors"
	"time"

	consul "github.com/hashicorp/consul/api"

	"github.com/hostctl/hostctl/contract"
)

// follow runs one blocking query until ctx ends, the same way for every
// query the watcher holds: each answer goes to onResult with the index it
// carried, and the next query waits for a change past that index. Errors
// never end it; it backs off, tells Health, and starts over from index 0.
func follow[T any](ctx context.Context, w *Watcher, what, filter string,
	run func(*consul.QueryOptions) (T, *consul.QueryMeta, error), onResult func(res T, index uint64)) {
	var index uint64
	b := newBackoff()
	for ctx.Err() == nil {
		started := time.Now()
		agent := w.agent.Load()
		res, meta, err := run(query(ctx, index, filter))
		if err != nil {
			if ctx.Err() == nil {
				w.failover(agent)
			}
			w.failed(ctx, what, err, b)
			// Consul may come back restarted with a lower index, and a
			// blocking query on an index it has not reached would hang.
			index = 0
			continue
		}
		w.report(nil)
		b.reset()
		var last uint64
		if meta != nil {
			last = meta.LastIndex
		}
		index = resetIndex(index, last)
		// An answer that raced the cancel belongs to a watch that has been
		// dropped (a node gone): it must not resurrect that node's state.
		if ctx.Err() == nil {
			onResult(res, last)
		}
		if gap := w.gapFor(what) - time.Since(started); gap > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(gap):
			}
		}
	}
}

// gapFor is the query gap of one watch: the marker node's answer is every
// sleeping site, so it is fetched at most every 300 ms (a site that
// falls asleep is still routed within one second); a site's instances
// are on the other nodes, at the usual gap, so wakes are not slowed.
func (w *Watcher) gapFor(what string) time.Duration {
	if what == "node "+contract.SleepNode && w.QueryGap > 0 {
		return max(w.QueryGap, markerQueryGap)
	}
	return w.QueryGap
}

const markerQueryGap = 300 * time.Millisecond

// query builds options for one blocking query. Stale reads let any Consul
// server answer, so many routers do not all load the leader; the index rule
// in view.sites keeps a lagging answer from routing an unchecked instance.
func query(ctx context.Context, index uint64, filter string) *consul.QueryOptions {
	return (&consul.QueryOptions{WaitIndex: index, WaitTime: WaitTime, AllowStale: true, Filter: filter}).WithContext(ctx)
}

// resetIndex follows Consul's advice for blocking queries: an index that
// goes backwards (a restored snapshot, a new leader) means start over, and
// an index of 0, which Consul should never return, becomes 1 — waiting on
// 0 returns at once, and the watcher would spin on Consul.
func resetIndex(prev, next uint64) uint64 {
	switch {
	case next == 0:
		return 1
	case next < prev:
		return 0
	}
	return next
}

func (w *Watcher) failed(ctx context.Context, what string, err error, b *backoff) {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return
	}
	w.report(err)
	d := b.next()
	w.Log.Warn("consul query failed; keeping the last route table", "query", what, "err", err, "retry_in", d)
	if w.sleep != nil {
		w.sleep(ctx, d)
		return
	}
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func (w *Watcher) report(err error) {
	if w.Health != nil {
		w.Health(err)
	}
}
