package sleep

import (
	"context"
	"errors"
	"fmt"
	"time"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
)

const (
	sleepMessage = "hostctl: asleep after idle"
	wakeMessage  = "hostctl: woken by a request"
)

// Sleep puts site to sleep: it registers the marker, then scales every
// group to zero. A site already asleep (it has a marker) is left as it is.
//
// A site whose web group is already at zero (scaled down by hand, or a
// marker lost with Consul's state) would wake to nothing if its current
// counts were recorded, so it records the counts of the newest job
// version that ran a web instance, and else one web instance: asking a
// site to sleep is asking for it to answer its next request.
func (c Client) Sleep(ctx context.Context, site string) error {
	_, err := c.sleep(ctx, site, false)
	return err
}

// outcome is what sleep did.
type outcome int

const (
	didSleep    outcome = iota
	wasAsleep           // it has a marker already
	isOff               // (idle only) no web instance wanted: off, not idle
	isDeploying         // (idle only) a deploy is under way
)

// sleep is Sleep; idleOnly (the Sleeper's) leaves alone a site whose web
// group is at zero, which is off rather than idle, and one being
// deployed.
func (c Client) sleep(ctx context.Context, site string, idleOnly bool) (outcome, error) {
	job, err := c.job(ctx, site)
	if err != nil {
		return 0, err
	}
	counts := countsOf(job)
	if idleOnly {
		if !awake(counts) {
			return isOff, nil
		}
		// A deploy slower than sleep_after (a long pip install) has had no
		// traffic yet; sleeping would cancel it and fail the apply.
		if d, err := c.deploying(ctx, site); err != nil || d {
			return isDeploying, err
		}
	}
	if m, err := c.marker(ctx, site); err != nil {
		return 0, err
	} else if m != nil {
		if !awake(counts) {
			return wasAsleep, nil
		}
		// A marker beside running instances is a wake under way or one
		// that failed (a crash-looping instance Nomad would keep
		// rescheduling): back to zero, keeping the marker and its counts,
		// so the next request starts a fresh wake.
		if _, err := c.scale(ctx, job, zeroOf(job), sleepMessage, false); err != nil && !isIndexConflict(err) {
			return 0, fmt.Errorf("scale %s to zero: %w", site, err)
		}
		return didSleep, nil
	}
	web, err := webService(job)
	if err != nil {
		return 0, err
	}
	if !awake(counts) {
		if counts, err = c.lastAwakeCounts(ctx, site); err != nil {
			return 0, err
		}
	}
	// The marker first: a router that has seen the instances go but not
	// the marker come would answer "no such site".
	if err := c.registerMarker(ctx, site, web, time.Now(), counts); err != nil {
		return 0, fmt.Errorf("register sleep marker: %w", err)
	}
	_, err = c.scale(ctx, job, zeroOf(job), sleepMessage, false)
	if isIndexConflict(err) {
		return 0, c.abandonSleep(ctx, site, err)
	}
	if err != nil {
		return 0, fmt.Errorf("scale %s to zero: %w", site, err)
	}
	return didSleep, nil
}

// deploying reports whether site has a deployment under way.
func (c Client) deploying(ctx context.Context, site string) (bool, error) {
	d, _, err := c.Nomad.Jobs().LatestDeployment(site, (&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil || d == nil {
		return false, err
	}
	switch d.Status {
	case nomad.DeploymentStatusSuccessful, nomad.DeploymentStatusFailed, nomad.DeploymentStatusCancelled:
		return false, nil
	}
	return true, nil
}

// abandonSleep handles a job that changed between being read and being
// scaled down (an apply, a scale, a restart): the counts the marker holds
// may be stale, so the marker goes and the sleep is left for later, unless
// what changed it was another Sleep, whose marker this is too.
func (c Client) abandonSleep(ctx context.Context, site string, cause error) error {
	job, err := c.job(ctx, site)
	if err != nil {
		return err
	}
	for _, n := range countsOf(job) {
		if n > 0 {
			if err := c.deregisterMarker(ctx, site); err != nil {
				return err
			}
			return contract.WithCode(contract.Conflict, fmt.Errorf("site %s changed while going to sleep; it stays awake: %w", site, cause))
		}
	}
	return nil
}

// lastAwakeCounts are the counts of site's newest job version that ran a
// web instance, else one web instance.
func (c Client) lastAwakeCounts(ctx context.Context, site string) (map[string]int, error) {
	versions, _, _, err := c.Nomad.Jobs().Versions(site, false, (&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return nil, err
	}
	for _, v := range versions { // newest first
		if counts := countsOf(v); awake(counts) {
			return counts, nil
		}
	}
	counts := map[string]int{}
	if len(versions) > 0 {
		counts = countsOf(versions[0])
	}
	counts[webGroup] = 1
	return counts, nil
}

// Awake ends site's sleep once it answers again: the marker and the last
// wake error go.
func (c Client) Awake(ctx context.Context, site string) error {
	if err := contract.CheckSiteName(site); err != nil {
		return err
	}
	if err := c.deregisterMarker(ctx, site); err != nil {
		return fmt.Errorf("remove sleep marker: %w", err)
	}
	return c.clearWakeError(ctx, site)
}

// Refresh follows an apply of a sleeping site: the marker takes the new
// version's tags and meta (domains, static, https, sleep_after) and its
// groups' counts, which the next wake starts, and keeps when the site fell
// asleep. A site not asleep is left alone.
func (c Client) Refresh(ctx context.Context, job *nomad.Job) error {
	if job == nil || job.ID == nil {
		return errors.New("refresh: no job")
	}
	site := *job.ID
	if err := contract.CheckSiteName(site); err != nil {
		return err
	}
	if job.Meta[contract.MetaSite] != site {
		return contract.Errorf(contract.Invalid, "job %q is not a hostctl site", site)
	}
	m, err := c.marker(ctx, site)
	if err != nil || m == nil {
		return err
	}
	web, err := webService(job)
	if err != nil {
		return err
	}
	return c.registerMarker(ctx, site, web, sinceOf(m.ServiceMeta, time.Now()), countsOf(job))
}

// Begin marks a site that runs no instance yet (a new site applied
// asleep) as asleep since now: its marker carries job's domains and the
// counts its first wake starts.
func (c Client) Begin(ctx context.Context, job *nomad.Job) error {
	if job == nil || job.ID == nil {
		return errors.New("begin: no job")
	}
	site := *job.ID
	if err := contract.CheckSiteName(site); err != nil {
		return err
	}
	if job.Meta[contract.MetaSite] != site {
		return contract.Errorf(contract.Invalid, "job %q is not a hostctl site", site)
	}
	web, err := webService(job)
	if err != nil {
		return err
	}
	return c.registerMarker(ctx, site, web, time.Now(), countsOf(job))
}

// zeroOf is every group of job at zero.
func zeroOf(job *nomad.Job) map[string]int {
	zero := map[string]int{}
	for g := range countsOf(job) {
		zero[g] = 0
	}
	return zero
}
