package deploy

import (
	"context"
	"fmt"
	"sort"
	"strings"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/jobs"
)

// CheckDomains fails if any of the sites claims a host another site in the
// cluster already has: on a shared platform that would hand one tenant's
// traffic to another. Claims are read from the jobs' meta in a single
// listing (domains and redirects alike), so stopped sites keep their hosts
// too.
func CheckDomains(ctx context.Context, nc *nomad.Client, sites []jobs.Site) error {
	stubs, _, err := nc.Jobs().ListOptions(&nomad.JobListOptions{Fields: &nomad.JobListFields{Meta: true}}, (&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return err
	}
	claims := map[string]string{}
	notSites := map[string]bool{}
	for _, j := range stubs {
		site := j.Meta[contract.MetaSite]
		if site == "" || site != j.ID {
			notSites[j.ID] = true
			continue
		}
		for _, d := range strings.Split(j.Meta[contract.MetaDomains], ",") {
			if d != "" {
				claims[d] = site
			}
		}
	}
	var clashes []string
	for _, s := range sites {
		// A site "a-cron-b" and site "a"'s cron "b" would share a job ID.
		if notSites[s.Name] {
			clashes = append(clashes, fmt.Sprintf("job %s already exists and is not a site (another site's cron or one-off run)", s.Name))
		}
	}
	clashes = append(clashes, domainConflicts(claims, sites)...)
	if len(clashes) > 0 {
		sort.Strings(clashes)
		return contract.Errorf(contract.Conflict, "domains already in use in this cluster: %s", strings.Join(clashes, "; "))
	}
	return nil
}

// domainConflicts decides which hosts (domains and redirects) of sites
// overlap what other sites already claim (claims maps host to site): the
// same name, a name under another site's wildcard (a wildcard covers
// exactly one more label), or a wildcard over another site's name. A
// site's own claims are its to keep.
func domainConflicts(claims map[string]string, sites []jobs.Site) []string {
	index := jobs.NewDomainClaims()
	hosts := make([]string, 0, len(claims))
	for h := range claims {
		hosts = append(hosts, h)
	}
	// In order, so that the same cluster gives the same message.
	sort.Strings(hosts)
	for _, h := range hosts {
		index.Add(h, claims[h])
	}
	var out []string
	for _, s := range sites {
		for _, h := range append(append([]string(nil), s.Domains...), s.Redirects...) {
			c, ok := index.Conflict(h, s.Name)
			switch {
			case !ok:
			case c.Host == h:
				out = append(out, fmt.Sprintf("%s (wanted by %s) belongs to site %s", h, s.Name, c.Site))
			default:
				out = append(out, fmt.Sprintf("%s (wanted by %s) overlaps %s of site %s", h, s.Name, c.Host, c.Site))
			}
		}
	}
	return out
}
