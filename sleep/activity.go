package sleep

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	consul "github.com/hashicorp/consul/api"

	"github.com/hostctl/hostctl/contract"
)

// txnOps is Consul's limit on operations in one transaction.
const txnOps = 64

// PublishActivity records, for each site in seen, when router last saw
// traffic for it: one key per site and router, so routers never overwrite
// each other and the Sleeper takes the latest. Hundreds of sites cost a
// few transactions. Sites with invalid names are skipped and reported.
func PublishActivity(ctx context.Context, cc *consul.Client, router string, seen map[string]time.Time) error {
	if router == "" || strings.Contains(router, "/") {
		return fmt.Errorf("router name %q must be non-empty and contain no '/'", router)
	}
	var errs []error
	var ops consul.TxnOps
	for _, site := range slices.Sorted(maps.Keys(seen)) {
		if err := contract.CheckSiteName(site); err != nil {
			errs = append(errs, err)
			continue
		}
		if seen[site].IsZero() {
			continue
		}
		ops = append(ops, &consul.TxnOp{KV: &consul.KVTxnOp{Verb: consul.KVSet, Key: activityKey(site, router), Value: []byte(unixString(seen[site]))}})
	}
	return errors.Join(append(errs, batched(ctx, cc, ops))...)
}

// batched runs ops in transactions of at most txnOps.
func batched(ctx context.Context, cc *consul.Client, ops consul.TxnOps) error {
	for len(ops) > 0 {
		n := min(len(ops), txnOps)
		if err := txn(ctx, cc, ops[:n]); err != nil {
			return err
		}
		ops = ops[n:]
	}
	return nil
}

// activity reads every router's activity keys at once and keeps, per
// site, the latest. Keys that do not parse are ignored: they are
// advisory, and the job's submit time bounds a site's idleness anyway.
func activity(ctx context.Context, cc *consul.Client) (map[string]time.Time, error) {
	pairs, _, err := cc.KV().List(contract.ActivityPrefix, (&consul.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("consul: %w", err)
	}
	last := map[string]time.Time{}
	for _, p := range pairs {
		site, _, ok := strings.Cut(strings.TrimPrefix(p.Key, contract.ActivityPrefix), "/")
		if !ok {
			continue
		}
		sec, err := strconv.ParseInt(string(p.Value), 10, 64)
		if err != nil {
			continue
		}
		if t := time.Unix(sec, 0); t.After(last[site]) {
			last[site] = t
		}
	}
	return last, nil
}

// forgetActivity deletes the activity keys of sites.
func forgetActivity(ctx context.Context, cc *consul.Client, sites []string) error {
	ops := make(consul.TxnOps, 0, len(sites))
	for _, s := range sites {
		ops = append(ops, &consul.TxnOp{KV: &consul.KVTxnOp{Verb: consul.KVDeleteTree, Key: activityKey(s, "")}})
	}
	return batched(ctx, cc, ops)
}
