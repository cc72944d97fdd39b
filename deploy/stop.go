package deploy

import (
	"context"
	"fmt"

	nomad "github.com/hashicorp/nomad/api"
)

// Current returns the site's job and its crons' jobs as Nomad holds them,
// to register again unchanged or moved (Repin).
func Current(ctx context.Context, nc *nomad.Client, site string) (*nomad.Job, []*nomad.Job, error) {
	q := (&nomad.QueryOptions{}).WithContext(ctx)
	job, _, err := nc.Jobs().Info(site, q)
	if isNotFound(err) {
		return nil, nil, notDeployed(site)
	}
	if err != nil {
		return nil, nil, err
	}
	if job.Stop != nil && *job.Stop {
		return nil, nil, fmt.Errorf("site %q is stopped", site)
	}
	ids, err := cronJobsOf(ctx, nc, site)
	if err != nil {
		return nil, nil, err
	}
	crons := make([]*nomad.Job, 0, len(ids))
	for _, id := range ids {
		c, _, err := nc.Jobs().Info(id, q)
		if err != nil {
			return nil, nil, err
		}
		crons = append(crons, c)
	}
	return job, crons, nil
}

// Stop registers job with every group's count at zero and returns once
// none of its processes runs. A new version rather than the scale
// endpoint: Nomad refuses to scale during a deployment, and a new version
// ends one. The job passed in is left as it was, to start it again.
func Stop(ctx context.Context, nc *nomad.Client, job *nomad.Job) error {
	zeroed, err := clone(job)
	if err != nil {
		return err
	}
	for _, tg := range zeroed.TaskGroups {
		tg.Count = new(int)
	}
	if err := Register(ctx, nc, zeroed); err != nil {
		return err
	}
	if err := waitAllocsStopped(ctx, nc, *job.ID); err != nil {
		return fmt.Errorf("stopping %s: %w", *job.ID, err)
	}
	return nil
}
