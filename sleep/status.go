package sleep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	consul "github.com/hashicorp/consul/api"
	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
)

// wakeError is the value at contract.WakeErrorPrefix + site.
type wakeError struct {
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// WakeFailed records why waking site failed, for `site status`, until the
// next successful wake (Awake) or the site's destruction (Forget), and
// puts the site back to sleep.
func (c Client) WakeFailed(ctx context.Context, site, reason string) error {
	if err := contract.CheckSiteName(site); err != nil {
		return err
	}
	// Reasons quote task output; a bounded value keeps a crash loop from
	// filling the KV store (whose values are capped at 512 KiB anyway).
	if len(reason) > 4096 {
		reason = reason[:4096]
	}
	v, _ := json.Marshal(wakeError{Reason: reason, At: time.Now().UTC()}) // always marshals
	if _, err := c.Consul.KV().Put(&consul.KVPair{Key: contract.WakeErrorPrefix + site, Value: v}, (&consul.WriteOptions{}).WithContext(ctx)); err != nil {
		return err
	}
	// Failed instances would crash-loop, rescheduled by Nomad, and a
	// request after the site is fixed would find a wake "under way": back
	// to sleep, so the next request starts afresh. Instances that are only
	// slow (a busy node) are kept: the next request finds them starting
	// instead of starting over.
	if m, err := c.marker(ctx, site); err != nil || m == nil {
		return err
	}
	if crashed, err := c.crashed(ctx, site); err != nil || !crashed {
		return err
	}
	_, err := c.sleep(ctx, site, false)
	return err
}

// crashed reports whether an instance the site's job still wants has
// failed, as opposed to being placed or started and not yet answering.
func (c Client) crashed(ctx context.Context, site string) (bool, error) {
	allocs, _, err := c.Nomad.Jobs().Allocations(site, false, (&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return false, err
	}
	for _, a := range allocs {
		if a.DesiredStatus == nomad.AllocDesiredStatusRun && a.ClientStatus == nomad.AllocClientStatusFailed {
			return true, nil
		}
	}
	return false, nil
}

func (c Client) clearWakeError(ctx context.Context, site string) error {
	_, err := c.Consul.KV().Delete(contract.WakeErrorPrefix+site, (&consul.WriteOptions{}).WithContext(ctx))
	return err
}

// Status is site's sleep: from its marker when asleep, sleep_after from
// its job (the marker's when the job is gone), and its last wake error.
func (c Client) Status(ctx context.Context, site string) (State, error) {
	if err := contract.CheckSiteName(site); err != nil {
		return State{}, err
	}
	st := State{Site: site}
	m, err := c.marker(ctx, site)
	if err != nil {
		return st, err
	}
	if m != nil {
		if st, err = stateOf(site, m.ServiceMeta); err != nil {
			return st, err
		}
	}
	job, err := c.job(ctx, site)
	switch {
	case err == nil:
		st.SleepAfter = SleepAfter(job.Meta)
	case contract.ExitCode(err) != int(contract.NotFound):
		return st, err
	}
	kv, _, err := c.Consul.KV().Get(contract.WakeErrorPrefix+site, (&consul.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return st, fmt.Errorf("consul: %w", err)
	}
	if kv != nil {
		var we wakeError
		if json.Unmarshal(kv.Value, &we) != nil {
			we.Reason = string(kv.Value)
		}
		st.WakeError, st.WakeErrorAt = we.Reason, we.At
	}
	return st, nil
}

// Asleep is every sleeping site, from one catalog read of the markers'
// node. It leaves WakeError empty: that is one more read per site, and
// the Sleeper, which calls this every tick, has no use for it.
func (c Client) Asleep(ctx context.Context) (map[string]State, error) {
	node, _, err := c.Consul.Catalog().Node(contract.SleepNode, (&consul.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("consul: %w", err)
	}
	out := map[string]State{}
	if node == nil {
		return out, nil
	}
	var errs []error
	for id, s := range node.Services {
		if id != MarkerID(s.Service) || s.Meta[contract.MetaAsleep] == "" {
			continue
		}
		st, err := stateOf(s.Service, s.Meta)
		errs = append(errs, err)
		out[s.Service] = st
	}
	return out, errors.Join(errs...)
}

// Forget removes everything sleeping left of site: its marker, its
// routers' activity and its wake error. Destroying a site calls it.
func (c Client) Forget(ctx context.Context, site string) error {
	if err := contract.CheckSiteName(site); err != nil {
		return err
	}
	if err := c.deregisterMarker(ctx, site); err != nil {
		return fmt.Errorf("remove sleep marker: %w", err)
	}
	ops := consul.TxnOps{
		{KV: &consul.KVTxnOp{Verb: consul.KVDeleteTree, Key: activityKey(site, "")}},
		{KV: &consul.KVTxnOp{Verb: consul.KVDelete, Key: contract.WakeErrorPrefix + site}},
	}
	return txn(ctx, c.Consul, ops)
}

// activityKey is where router publishes site's activity; router "" is
// the prefix of all of site's keys, ending in "/" so that site "shop"
// never covers "shop-2".
func activityKey(site, router string) string {
	return contract.ActivityPrefix + site + "/" + router
}

// txn runs ops in one Consul transaction.
func txn(ctx context.Context, cc *consul.Client, ops consul.TxnOps) error {
	ok, resp, _, err := cc.Txn().Txn(ops, (&consul.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return fmt.Errorf("consul: %w", err)
	}
	if !ok {
		var msgs []string
		for _, e := range resp.Errors {
			msgs = append(msgs, e.What)
		}
		return fmt.Errorf("consul transaction: %s", strings.Join(msgs, "; "))
	}
	return nil
}
