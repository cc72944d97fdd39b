package siteops

import (
	"context"
	"fmt"
	"time"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/jobs"
)

// ApplyOptions change how Apply waits.
type ApplyOptions struct {
	// Detach returns once Nomad has placed each site, without following
	// its deployment or waiting for the router.
	Detach bool
	// Wake deploys a sleeping site awake; without it a sleeping site's new
	// version is registered asleep and starts with its next request.
	Wake bool
	// Asleep registers every site asleep: a new site starts with its
	// first request, a running one is put to sleep first. Nothing waits
	// for an instance, so many sites register quickly.
	Asleep bool
}

// Apply deploys sites. Everything that can be checked — domains against
// the cluster, declared secrets, what the provisioner can give — is
// checked for every site before the first one is touched, so a mistake in
// the third site does not leave the first two half-deployed. Then each
// site in turn gets its uid, its database and media store (before its job:
// the release step runs migrations against them), its job and, once the
// job is healthy, its crons (they run the new code).
func (s *Service) Apply(ctx context.Context, sites []jobs.Site, o ApplyOptions) error {
	if o.Asleep && o.Wake {
		return contract.Errorf(contract.Invalid, "apply: --asleep and --wake exclude each other")
	}
	if o.Asleep && s.Sleeps == nil {
		return contract.Errorf(contract.Invalid, "apply: this cluster has no sleeping sites (no Consul client)")
	}
	if err := s.Jobs.CheckDomains(ctx, sites); err != nil {
		return err
	}
	for _, site := range sites {
		if err := s.Secrets.CheckSet(ctx, site.Name, site.Secrets); err != nil {
			return err
		}
	}
	if err := s.Provisioner.Check(sites); err != nil {
		return err
	}
	for i := range sites {
		if err := s.applyOne(ctx, &sites[i], o); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) applyOne(ctx context.Context, site *jobs.Site, o ApplyOptions) error {
	t0 := time.Now()
	uid, err := s.Accounts.UID(ctx, site.Name)
	if err != nil {
		return fmt.Errorf("%s: assigning its uid: %w", site.Name, err)
	}
	if err := s.Provisioner.Ensure(ctx, site, uid); err != nil {
		return err
	}
	asleep, err := s.asleep(ctx, site.Name)
	if err != nil {
		return err
	}
	begun := false
	if o.Asleep && !asleep {
		if begun, err = s.fallAsleep(ctx, site, uid); err != nil {
			return err
		}
		asleep = true
	}
	if asleep && !o.Wake {
		return s.applyAsleep(ctx, site, uid, !begun)
	}
	if o.Detach {
		if err := s.Jobs.Register(ctx, jobs.Render(*site, uid)); err != nil {
			return err
		}
		if err := s.Jobs.SyncCrons(ctx, site.Name, jobs.RenderCrons(*site, uid), s.Out); err != nil {
			return err
		}
		fmt.Fprintf(s.Out, "%s registered; follow it with `hostctl site status %s`\n", site.Name, site.Name)
		return nil
	}
	if err := s.Jobs.Deploy(ctx, jobs.Render(*site, uid), s.Out); err != nil {
		return err
	}
	if err := s.Jobs.SyncCrons(ctx, site.Name, jobs.RenderCrons(*site, uid), s.Out); err != nil {
		return err
	}
	if asleep {
		// Deployed awake on purpose (--wake): its marker goes.
		if err := s.Sleeps.Awake(ctx, site.Name); err != nil {
			return err
		}
	}
	if s.Router == nil {
		return nil
	}
	host := site.Domains[0]
	if err := s.Router.WaitRouted(ctx, host); err != nil {
		// Healthy in Nomad is what apply promises; a router that lags is
		// worth saying but is not a failed deploy.
		fmt.Fprintf(s.Out, "%s: healthy in Nomad, but the router does not route it yet: %v\n", site.Name, err)
		return nil
	}
	fmt.Fprintf(s.Out, "%s is live in %s: %s\n  %s\n", site.Name, time.Since(t0).Round(100*time.Millisecond), s.Router.URL(host), s.Router.Curl(host))
	return nil
}

// Plan prints, for each site, what Apply would change, and reports whether
// anything would. It assigns no uid and makes nothing.
func (s *Service) Plan(ctx context.Context, sites []jobs.Site) (bool, error) {
	if err := s.Jobs.CheckDomains(ctx, sites); err != nil {
		return false, err
	}
	changed := false
	for i := range sites {
		site := &sites[i]
		uid, err := s.Accounts.PeekUID(ctx, site.Name)
		if err != nil {
			return false, err
		}
		if err := s.Provisioner.Describe(ctx, site); err != nil {
			return false, err
		}
		ch, err := s.Jobs.Plan(ctx, jobs.Render(*site, uid), s.Out)
		if err != nil {
			return false, err
		}
		changed = changed || ch
	}
	return changed, nil
}
