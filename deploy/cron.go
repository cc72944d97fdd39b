package deploy

import (
	"context"
	"fmt"
	"io"
	"strings"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
)

// SyncCrons registers the site's cron jobs and removes those its spec no
// longer declares, so the cluster's crons always match the last apply.
func SyncCrons(ctx context.Context, nc *nomad.Client, site string, crons []*nomad.Job, out io.Writer) error {
	existing, err := cronJobsOf(ctx, nc, site)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, j := range crons {
		id := *j.ID
		cur, _, err := nc.Jobs().Info(id, (&nomad.QueryOptions{}).WithContext(ctx))
		if err == nil && cur.Meta[contract.MetaCronOf] != site {
			return fmt.Errorf("cron job %s would replace a job that is not a cron of %s", id, site)
		}
		if err := grantSiteVariables(ctx, nc, site, id); err != nil {
			return err
		}
		if _, _, err := nc.Jobs().Register(j, (&nomad.WriteOptions{}).WithContext(ctx)); err != nil {
			return fmt.Errorf("register cron %s: %w", id, err)
		}
		fmt.Fprintf(out, "%s: cron %s scheduled (%s)\n", site, strings.TrimPrefix(id, site+"-cron-"), *j.Periodic.Spec)
		want[id] = true
	}
	for _, id := range existing {
		if !want[id] {
			if err := removeJobAndChildren(ctx, nc, id); err != nil {
				return err
			}
			fmt.Fprintf(out, "%s: cron %s removed\n", site, strings.TrimPrefix(id, site+"-cron-"))
		}
	}
	return nil
}

// cronJobsOf lists the periodic parent jobs that run the site's crons.
func cronJobsOf(ctx context.Context, nc *nomad.Client, site string) ([]string, error) {
	stubs, _, err := nc.Jobs().ListOptions(&nomad.JobListOptions{Fields: &nomad.JobListFields{Meta: true}},
		(&nomad.QueryOptions{Prefix: site + "-cron-"}).WithContext(ctx))
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, j := range stubs {
		if j.Meta[contract.MetaCronOf] == site && j.ParentID == "" {
			ids = append(ids, j.ID)
		}
	}
	return ids, nil
}

// removeJobAndChildren purges a periodic job and the runs it launched,
// which Nomad keeps as separate jobs, and its Variables policy.
func removeJobAndChildren(ctx context.Context, nc *nomad.Client, id string) error {
	w := (&nomad.WriteOptions{}).WithContext(ctx)
	if _, _, err := nc.Jobs().Deregister(id, true, w); err != nil && !isNotFound(err) {
		return err
	}
	children, _, err := nc.Jobs().PrefixList(id + "/periodic-")
	if err != nil {
		return err
	}
	for _, c := range children {
		if _, _, err := nc.Jobs().Deregister(c.ID, true, w); err != nil && !isNotFound(err) {
			return err
		}
	}
	return revokeSiteVariables(ctx, nc, id)
}
