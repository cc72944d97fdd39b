package deploy

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	consul "github.com/hashicorp/consul/api"
	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/jobs"
)

// Restart restarts a site's running instances one at a time, waiting for
// each to run again (and, for web instances, to pass their health check
// in Nomad's view) before the next, so a site with two or more instances
// keeps serving throughout.
func Restart(ctx context.Context, nc *nomad.Client, cc *consul.Client, site string, out io.Writer) error {
	q := (&nomad.QueryOptions{}).WithContext(ctx)
	allocs, _, err := nc.Jobs().Allocations(site, false, q)
	if err != nil {
		if isNotFound(err) {
			return fmt.Errorf("site %q is not deployed", site)
		}
		return err
	}
	for _, stub := range allocs {
		if stub.ClientStatus != nomad.AllocClientStatusRunning {
			continue
		}
		a, _, err := nc.Allocations().Info(stub.ID, q)
		if err != nil {
			return err
		}
		before := time.Now()
		if err := nc.Allocations().RestartAllTasks(a, q); err != nil {
			return fmt.Errorf("restart %s: %w", a.ID[:8], err)
		}
		if err := waitRestarted(ctx, nc, a.ID, taskFor(a.TaskGroup), before); err != nil {
			return fmt.Errorf("instance %s: %w", a.ID[:8], err)
		}
		if a.TaskGroup == "web" && cc != nil {
			// Nomad's view of health is stale after a restart (the
			// deployment's verdict); the router follows Consul, so the next
			// instance waits until Consul passes this one again.
			if err := waitPassing(ctx, cc, site, a.ID); err != nil {
				return fmt.Errorf("instance %s: %w", a.ID[:8], err)
			}
		}
		fmt.Fprintf(out, "%s %s instance %s restarted\n", site, a.TaskGroup, a.ID[:8])
	}
	return nil
}

func waitRestarted(ctx context.Context, nc *nomad.Client, allocID, task string, since time.Time) error {
	var index uint64
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		q := (&nomad.QueryOptions{WaitIndex: index, WaitTime: 10 * time.Second}).WithContext(ctx)
		a, meta, err := nc.Allocations().Info(allocID, q)
		if err != nil {
			return err
		}
		index = meta.LastIndex
		ts := a.TaskStates[task]
		restarted := ts != nil && ts.State == "running" && ts.LastRestart.After(since)
		healthy := a.DeploymentStatus == nil || a.DeploymentStatus.Healthy == nil || *a.DeploymentStatus.Healthy
		if restarted && healthy {
			return nil
		}
	}
	return fmt.Errorf("did not come back within 2 minutes")
}

// SetJobEnv sets one environment variable on every task of the site's job
// that has it and deploys the result: a new job version, rolled out with
// the site's update strategy (a canary, then one instance at a time), and
// followed until it is healthy.
func SetJobEnv(ctx context.Context, nc *nomad.Client, site, name, value string, out io.Writer) error {
	job, _, err := nc.Jobs().Info(site, (&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil {
		if isNotFound(err) {
			return fmt.Errorf("site %q is not deployed", site)
		}
		return err
	}
	changed := 0
	for _, tg := range job.TaskGroups {
		for _, t := range tg.Tasks {
			if _, ok := t.Env[name]; ok {
				t.Env[name] = value
				changed++
			}
		}
	}
	if changed == 0 {
		return fmt.Errorf("site %s's job has no %s to change; apply its spec first", site, name)
	}
	return Apply(ctx, nc, job, out)
}

// waitPassing waits until Consul has the instance of allocation allocID
// registered and passing (Nomad names its services after the allocation).
func waitPassing(ctx context.Context, cc *consul.Client, site, allocID string) error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		entries, _, err := cc.Health().Service(site, jobs.ServiceTag, true, (&consul.QueryOptions{}).WithContext(ctx))
		if err != nil {
			return err
		}
		for _, e := range entries {
			if strings.Contains(e.Service.ID, allocID) {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	return fmt.Errorf("not passing in Consul within 2 minutes")
}
