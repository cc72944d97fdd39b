package siteops

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/hostctl/hostctl/contract"
)

// Destroy stops the site and removes its job and crons. With purge its
// database, media store and secrets go too, after a final dump and
// snapshot; a site whose job could not be removed keeps its data.
func (s *Service) Destroy(ctx context.Context, site string, purge bool) error {
	if err := contract.CheckSiteName(site); err != nil {
		return err
	}
	if err := s.Jobs.Destroy(ctx, site); err != nil {
		return err
	}
	if s.Sleeps != nil {
		// A sleeping site's marker would keep its domains routed.
		if err := s.Sleeps.Forget(ctx, site); err != nil {
			return err
		}
	}
	fmt.Fprintf(s.Out, "site %s destroyed\n", site)
	if !purge {
		return nil
	}
	return s.Provisioner.Purge(ctx, site, s.Out)
}

// destroyParallel bounds DestroyAll: all at once, a cluster of thousands
// of sites would open thousands of blocking queries; one at a time, it
// would take minutes.
const destroyParallel = 32

// DestroyAll destroys every job in the cluster the way Destroy destroys
// one site: sites with their crons, then whatever else is registered, each
// stopped and waited for before it is purged, so no process outlives its
// job. It is what the dev cluster's `down` runs; it returns how many jobs
// it removed.
func (s *Service) DestroyAll(ctx context.Context) (int, error) {
	refs, err := s.Jobs.JobIDs(ctx)
	if err != nil {
		return 0, err
	}
	sites := map[string]bool{}
	for _, r := range refs {
		if r.Site != "" {
			sites[r.Site] = true
		}
	}
	var ids []string
	for _, r := range refs {
		// A site's crons go with it (Jobs.Destroy removes them).
		if r.CronOf == "" || !sites[r.CronOf] {
			ids = append(ids, r.ID)
		}
	}
	errs := make([]error, len(ids))
	sem := make(chan struct{}, destroyParallel)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = s.Jobs.Destroy(ctx, id)
		}()
	}
	wg.Wait()
	return len(ids), errors.Join(errs...)
}

// Rollback moves the site back to version (nil: the last stable version
// that is not just a restart of the current one) and follows the
// deployment that makes it so.
func (s *Service) Rollback(ctx context.Context, site string, version *uint64) error {
	if err := contract.CheckSiteName(site); err != nil {
		return err
	}
	to, err := s.Jobs.Rollback(ctx, site, version)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "%s: rolling back to version %d\n", site, to)
	return s.Jobs.Follow(ctx, site, s.Out)
}

// Restart replaces every instance, each new one healthy before an old one
// stops.
func (s *Service) Restart(ctx context.Context, site string) error {
	if err := contract.CheckSiteName(site); err != nil {
		return err
	}
	return s.Jobs.Restart(ctx, site, s.Out)
}
