package siteops

import (
	"context"
	"fmt"
	"time"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/deploy"
	"github.com/hostctl/hostctl/jobs"
	"github.com/hostctl/hostctl/sleep"
)

func (s *Service) asleep(ctx context.Context, site string) (bool, error) {
	if s.Sleeps == nil {
		return false, nil
	}
	st, err := s.Sleeps.Status(ctx, site)
	return st.Asleep, err
}

// applyAsleep registers a sleeping site's new version without starting
// it: the job with every count at zero, and the marker brought up to the
// new version (its domains, and the counts the next wake starts) unless
// the marker was just made from it.
func (s *Service) applyAsleep(ctx context.Context, site *jobs.Site, uid int, refresh bool) error {
	zeroed := jobs.Render(*site, uid)
	for _, tg := range zeroed.TaskGroups {
		tg.Count = new(int)
	}
	if err := s.Jobs.Register(ctx, zeroed); err != nil {
		return err
	}
	if err := s.Jobs.SyncCrons(ctx, site.Name, jobs.RenderCrons(*site, uid), s.Out); err != nil {
		return err
	}
	if refresh {
		if err := s.Sleeps.Refresh(ctx, jobs.Render(*site, uid)); err != nil {
			return err
		}
	}
	fmt.Fprintf(s.Out, "%s is asleep: its new version starts with its next request (or now: hostctl site wake %s)\n", site.Name, site.Name)
	return nil
}

// fallAsleep is apply --asleep of a site that is awake: one already
// running sleeps (its instances stop), a new one gets its marker before
// its job (begun), so no router ever sees it without instances or marker.
func (s *Service) fallAsleep(ctx context.Context, site *jobs.Site, uid int) (begun bool, err error) {
	deployed, err := s.Jobs.Deployed(ctx, site.Name)
	if err != nil {
		return false, err
	}
	if deployed {
		return false, s.Sleeps.Sleep(ctx, site.Name)
	}
	return true, s.Sleeps.Begin(ctx, jobs.Render(*site, uid))
}

// Sleep puts a site to sleep now, whatever its idle time.
func (s *Service) Sleep(ctx context.Context, site string) error {
	if err := s.needSleeps(site); err != nil {
		return err
	}
	if err := s.Sleeps.Sleep(ctx, site); err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "%s is asleep; its next request wakes it\n", site)
	return nil
}

// Wake starts a sleeping site and waits until an instance passes its
// health check; then the site is routed like any other.
func (s *Service) Wake(ctx context.Context, site string) error {
	if err := s.needSleeps(site); err != nil {
		return err
	}
	t0 := time.Now()
	if _, err := s.Sleeps.Wake(ctx, site); err != nil {
		return err
	}
	for {
		n, err := s.Jobs.Healthy(ctx, site)
		if err != nil {
			return err
		}
		if n > 0 {
			break
		}
		select {
		case <-ctx.Done():
			return contract.WithCode(contract.Unavailable, fmt.Errorf("%s did not become healthy: %w (hostctl site status %s says why)", site, ctx.Err(), site))
		case <-time.After(200 * time.Millisecond):
		}
	}
	if err := s.Sleeps.Awake(ctx, site); err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "%s is awake in %s\n", site, time.Since(t0).Round(10*time.Millisecond))
	return nil
}

func (s *Service) needSleeps(site string) error {
	if err := contract.CheckSiteName(site); err != nil {
		return err
	}
	if s.Sleeps == nil {
		return fmt.Errorf("this command needs Consul to sleep or wake sites")
	}
	return nil
}

// SiteRow is one line of `site list`: Nomad's view and the site's sleep.
type SiteRow struct {
	deploy.SiteSummary
	Asleep bool      `json:"asleep"`
	Since  time.Time `json:"asleep_since,omitzero"`
}

// List is every site with whether it sleeps.
func (s *Service) List(ctx context.Context) ([]SiteRow, error) {
	sites, err := s.Jobs.List(ctx)
	if err != nil {
		return nil, err
	}
	asleep := map[string]sleep.State{}
	if s.Sleeps != nil {
		if asleep, err = s.Sleeps.Asleep(ctx); err != nil {
			return nil, err
		}
	}
	rows := make([]SiteRow, len(sites))
	for i, site := range sites {
		st := asleep[site.Name]
		rows[i] = SiteRow{SiteSummary: site, Asleep: st.Asleep, Since: st.Since}
	}
	return rows, nil
}

// SiteStatus is `site status`: instances and the site's sleep.
type SiteStatus struct {
	*deploy.SiteStatus
	Sleep sleep.State `json:"sleep"`
}

// Status is one site's instances, health and sleep.
func (s *Service) Status(ctx context.Context, site string) (*SiteStatus, error) {
	if err := contract.CheckSiteName(site); err != nil {
		return nil, err
	}
	st, err := s.Jobs.Status(ctx, site)
	if err != nil {
		return nil, err
	}
	out := &SiteStatus{SiteStatus: st, Sleep: sleep.State{Site: site}}
	if s.Sleeps != nil {
		if out.Sleep, err = s.Sleeps.Status(ctx, site); err != nil {
			return nil, err
		}
	}
	return out, nil
}
