package sleep

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	consul "github.com/hashicorp/consul/api"
	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
)

// markerStatus is the marker check's status. Not passing: anything that
// picks healthy instances (a router that predates sleeping sites, a
// template's service lookup, a passing-only health query) then never
// picks the marker, which has no port to send anything to. Not critical:
// nothing is broken, and the UI shows a warning as something to note.
const markerStatus = consul.HealthWarning

// registerMarker puts site's marker in the catalog with the tags and meta
// of web, the web service of its job.
func (c Client) registerMarker(ctx context.Context, site string, web *nomad.Service, since time.Time, counts map[string]int) error {
	meta := maps.Clone(web.Meta)
	if meta == nil {
		meta = map[string]string{}
	}
	// A job's uninterpolated "${NOMAD_HOST_PORT_static}": a marker has no
	// port, and the Consul UI should not show one.
	delete(meta, contract.MetaStaticPort)
	meta[contract.MetaSite] = site
	meta[contract.MetaAsleep] = since.UTC().Format(time.RFC3339)
	meta[contract.MetaCounts] = FormatCounts(counts)
	id := MarkerID(site)
	reg := &consul.CatalogRegistration{
		Node:    contract.SleepNode,
		Address: "127.0.0.1",
		// Rewriting the node on every marker would wake every router's
		// watch of the node list; only the first marker creates it.
		SkipNodeUpdate: true,
		Service:        &consul.AgentService{ID: id, Service: site, Tags: slices.Clone(web.Tags), Meta: meta},
		Check: &consul.AgentCheck{
			Node: contract.SleepNode, CheckID: id, Name: contract.AsleepCheckName, Status: markerStatus,
			Output:    fmt.Sprintf("asleep since %s; the next request wakes it", since.UTC().Format(time.RFC3339)),
			ServiceID: id, ServiceName: site,
		},
	}
	_, err := c.Consul.Catalog().Register(reg, (&consul.WriteOptions{}).WithContext(ctx))
	return err
}

// deregisterMarker removes site's marker and its check; removing one that
// is not there is no error.
func (c Client) deregisterMarker(ctx context.Context, site string) error {
	_, err := c.Consul.Catalog().Deregister(&consul.CatalogDeregistration{Node: contract.SleepNode, ServiceID: MarkerID(site)},
		(&consul.WriteOptions{}).WithContext(ctx))
	return err
}

// marker is site's marker service, or nil when the site is not asleep.
func (c Client) marker(ctx context.Context, site string) (*consul.CatalogService, error) {
	q := (&consul.QueryOptions{
		Filter: fmt.Sprintf("Node == %q and ServiceID == %q", contract.SleepNode, MarkerID(site)),
	}).WithContext(ctx)
	svcs, _, err := c.Consul.Catalog().Service(site, "", q)
	if err != nil {
		return nil, fmt.Errorf("consul: %w", err)
	}
	if len(svcs) == 0 {
		return nil, nil
	}
	return svcs[0], nil
}

// stateOf reads a marker's meta; a marker whose counts do not parse still
// says the site is asleep (the error says why a wake cannot use it).
func stateOf(site string, meta map[string]string) (State, error) {
	st := State{Site: site, Asleep: true, SleepAfter: SleepAfter(meta)}
	st.Since, _ = time.Parse(time.RFC3339, meta[contract.MetaAsleep])
	counts, err := ParseCounts(meta[contract.MetaCounts])
	if err != nil {
		return st, fmt.Errorf("site %s's sleep marker: %w", site, err)
	}
	st.Counts = counts
	return st, nil
}

// sinceOf is when a marker says its site fell asleep, or now if it does
// not say.
func sinceOf(meta map[string]string, now time.Time) time.Time {
	if t, err := time.Parse(time.RFC3339, meta[contract.MetaAsleep]); err == nil {
		return t
	}
	return now
}

// unixString is t as the activity keys hold it.
func unixString(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
