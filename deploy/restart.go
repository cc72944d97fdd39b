package deploy

import (
	"context"
	"fmt"
	"io"
	"time"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
)

// Restart replaces every running instance of the site with a new one, the
// way a deploy does: a new instance starts beside the old ones (the
// canary), and each old instance stops only once its replacement passes
// its health check — so a site with a single instance keeps serving
// throughout. Restarting each instance in place (what Nomad's alloc
// restart does) leaves a one-instance site with nothing to route to for
// as long as gunicorn takes to come back: the test suite saw 503s.
// New instances also render the site's secrets afresh.
func Restart(ctx context.Context, nc *nomad.Client, site string, out io.Writer) error {
	job, _, err := nc.Jobs().Info(site, (&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil {
		if isNotFound(err) {
			return notDeployed(site)
		}
		return err
	}
	if job.Stop != nil && *job.Stop {
		return fmt.Errorf("site %q is stopped", site)
	}
	stamp := time.Now().UTC().Format(time.RFC3339Nano)
	for _, tg := range job.TaskGroups {
		if tg.Meta == nil {
			tg.Meta = map[string]string{}
		}
		tg.Meta[contract.MetaRestart] = stamp
	}
	if err := Apply(ctx, nc, job, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: every instance replaced\n", site)
	return nil
}

// SetJobEnv sets one environment variable on every task of the site's job
// that has it and deploys the result: a new job version, rolled out with
// the site's update strategy (a canary, then one instance at a time), and
// followed until it is healthy.
func SetJobEnv(ctx context.Context, nc *nomad.Client, site, name, value string, out io.Writer) error {
	job, _, err := nc.Jobs().Info(site, (&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil {
		if isNotFound(err) {
			return notDeployed(site)
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

// Deployed reports whether the site has a job that is not stopped.
func Deployed(ctx context.Context, nc *nomad.Client, site string) (bool, error) {
	job, _, err := nc.Jobs().Info(site, (&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil {
		if isNotFound(err) {
			return false, nil
		}
		return false, err
	}
	return job.Stop == nil || !*job.Stop, nil
}
