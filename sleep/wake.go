package sleep

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	consul "github.com/hashicorp/consul/api"

	"github.com/hostctl/hostctl/contract"
)

// metaWaking, on a marker, is the claim of the waker that is scaling the
// site up: "<job modify index>,<unix seconds>".
const metaWaking = "hostctl_waking"

// claimTTL is how long a claim keeps other wakers off a job that has not
// changed since: a waker that claimed and then died (or whose scale
// failed) must not keep the site asleep for longer.
const claimTTL = 10 * time.Second

// Wake scales a sleeping site back to the counts its marker recorded. Of
// many routers woken by the same burst of requests one starts the site
// and the others are told started=false, as is a waker that finds the
// site already running. It neither waits for an instance nor removes the
// marker (Awake does, once one answers).
//
// Nomad's check-and-set on the job is not enough for that: it compares
// the index in the RPC handler, before the write goes through Raft, so
// two wakes that arrive together both pass it and both report a start.
// The wakers first claim the marker, check-and-set in a Consul
// transaction, which is atomic; the winner then scales the job
// check-and-set against the version it read, so an apply in between wins.
func (c Client) Wake(ctx context.Context, site string) (started bool, err error) {
	if err := contract.CheckSiteName(site); err != nil {
		return false, err
	}
	m, err := c.marker(ctx, site)
	if err != nil {
		return false, err
	}
	if m == nil {
		// A site that does not exist is told so, not that it is awake.
		if _, err := c.job(ctx, site); err != nil {
			return false, err
		}
		return false, fmt.Errorf("site %s: %w", site, ErrNotAsleep)
	}
	st, err := stateOf(site, m.ServiceMeta)
	if err != nil {
		return false, err
	}
	job, err := c.job(ctx, site)
	if err != nil {
		return false, err
	}
	if awake(countsOf(job)) {
		return false, nil
	}
	now := time.Now()
	if claimed(m.ServiceMeta[metaWaking], *job.JobModifyIndex, now) {
		return false, nil
	}
	if won, err := c.claim(ctx, m, *job.JobModifyIndex, now); err != nil || !won {
		return false, err
	}
	counts := st.Counts
	if !awake(counts) {
		// A marker with no web count would wake the site to nothing.
		counts[webGroup] = 1
	}
	started, err = c.scale(ctx, job, counts, wakeMessage, true)
	if isIndexConflict(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("wake %s: %w", site, err)
	}
	return started, nil
}

// claimed reports whether claim is a live claim on the job at index.
func claimed(claim string, index uint64, now time.Time) bool {
	i, t, ok := strings.Cut(claim, ",")
	if !ok {
		return false
	}
	ci, err1 := strconv.ParseUint(i, 10, 64)
	sec, err2 := strconv.ParseInt(t, 10, 64)
	return err1 == nil && err2 == nil && ci == index && now.Sub(time.Unix(sec, 0)) < claimTTL
}

// claim writes a claim on the job at index into the marker m, if m is
// still as read; it reports whether it did.
func (c Client) claim(ctx context.Context, m *consul.CatalogService, index uint64, now time.Time) (bool, error) {
	meta := maps.Clone(m.ServiceMeta)
	meta[metaWaking] = strconv.FormatUint(index, 10) + "," + unixString(now)
	ops := consul.TxnOps{{Service: &consul.ServiceTxnOp{Verb: consul.ServiceCAS, Node: contract.SleepNode, Service: consul.AgentService{
		ID: m.ServiceID, Service: m.ServiceName, Tags: m.ServiceTags, Meta: meta, ModifyIndex: m.ModifyIndex,
	}}}}
	ok, _, _, err := c.Consul.Txn().Txn(ops, (&consul.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return false, fmt.Errorf("consul: %w", err)
	}
	// Not ok: the marker changed since it was read, another waker's claim
	// or a refresh; either way this waker is not the one.
	return ok, nil
}
