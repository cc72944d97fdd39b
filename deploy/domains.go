package deploy

import (
	"context"
	"fmt"
	"sort"
	"strings"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/jobs"
)

// CheckDomains fails if any of the sites claims a domain another site in
// the cluster already has: on a shared platform that would hand one
// tenant's traffic to another. Claims are read from the jobs' meta in a
// single listing, so stopped sites keep their domains too.
func CheckDomains(ctx context.Context, nc *nomad.Client, sites []jobs.Site) error {
	stubs, _, err := nc.Jobs().ListOptions(&nomad.JobListOptions{Fields: &nomad.JobListFields{Meta: true}}, (&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return err
	}
	owner := map[string]string{}
	ids := map[string]bool{}
	for _, j := range stubs {
		ids[j.ID] = j.Meta[jobs.MetaSite] != j.ID
		site := j.Meta[jobs.MetaSite]
		if site == "" || site != j.ID {
			continue
		}
		for _, d := range strings.Split(j.Meta[jobs.MetaDomains], ",") {
			if d != "" {
				owner[d] = site
			}
		}
	}
	var clashes []string
	for _, s := range sites {
		// A site "a-cron-b" and site "a"'s cron "b" would share a job ID.
		if notASite := ids[s.Name]; notASite {
			clashes = append(clashes, fmt.Sprintf("job %s already exists and is not a site (another site's cron or one-off run)", s.Name))
		}
		for _, d := range s.Domains {
			if o, ok := owner[d]; ok && o != s.Name {
				clashes = append(clashes, fmt.Sprintf("%s (wanted by %s) belongs to site %s", d, s.Name, o))
			}
		}
	}
	if len(clashes) > 0 {
		sort.Strings(clashes)
		return fmt.Errorf("domains already in use in this cluster: %s", strings.Join(clashes, "; "))
	}
	return nil
}
