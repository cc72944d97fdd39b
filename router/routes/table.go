// Package routes is the router's routing core: which instances serve which
// host. It knows nothing of Consul or HTTP; a source (the Consul watcher, a
// test) builds a fresh immutable Table from []Site and publishes it through
// a Store, and the proxy reads the current Table without taking a lock.
package routes

import (
	"fmt"
	"net"
	"sort"
	"strings"
	"sync/atomic"
)

// Backend is one running instance of a site that passed its health check.
type Backend struct {
	ID   string // stable per instance, for logs and metrics
	Addr string // host:port
}

// Static is a URL prefix the router answers from a directory on its own
// disk instead of passing it to the site.
type Static struct {
	Prefix string // starts and ends with "/"
	Dir    string // absolute
}

// Site is a site as a source sees it: its domains and its healthy backends.
// A site with no backends is still routed, so it can answer 503 instead of
// pretending the host is unknown.
type Site struct {
	Name     string
	Domains  []string
	Backends []Backend
	// Redirects answer with a permanent redirect to Domains[0].
	Redirects []string
	Static    []Static
	// HTTPSOnly sends plain-HTTP requests to the same URL over HTTPS.
	HTTPSOnly bool
}

// Route is what a lookup returns. Its fields never change after Build;
// balancing state lives with the proxy, keyed by backend address, so it
// survives table swaps.
type Route struct {
	Site     string
	Backends []Backend
	// RedirectTo, when set, is the host this one permanently redirects to;
	// such a route has no backends.
	RedirectTo string
	Static     []Static
	HTTPSOnly  bool
}

// StaticFor returns the static mapping whose prefix starts path, if any.
func (r *Route) StaticFor(path string) (Static, bool) {
	for _, s := range r.Static {
		if strings.HasPrefix(path, s.Prefix) {
			return s, true
		}
	}
	return Static{}, false
}

// Table maps hosts to routes. Exact hosts win over wildcards; a wildcard
// "*.example.com" matches exactly one more label, as TLS wildcards do.
type Table struct {
	exact    map[string]*Route
	wildcard map[string]*Route // keyed by the part after "*."
	sites    int
}

// Build makes a Table from sites. Two sites claiming one domain is a
// conflict: the domain goes to the site whose name sorts first, so the
// outcome does not depend on source order, and the conflict is returned.
func Build(sites []Site) (*Table, []error) {
	sorted := append([]Site(nil), sites...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	t := &Table{exact: map[string]*Route{}, wildcard: map[string]*Route{}, sites: len(sorted)}
	owner := map[string]string{}
	var errs []error
	for _, s := range sorted {
		r := &Route{Site: s.Name, Backends: append([]Backend(nil), s.Backends...),
			Static: append([]Static(nil), s.Static...), HTTPSOnly: s.HTTPSOnly}
		errs = t.claim(owner, s.Name, s.Domains, r, errs)
		if len(s.Redirects) > 0 && len(s.Domains) > 0 {
			redirect := &Route{Site: s.Name, RedirectTo: strings.ToLower(s.Domains[0]), HTTPSOnly: s.HTTPSOnly}
			errs = t.claim(owner, s.Name, s.Redirects, redirect, errs)
		}
	}
	return t, errs
}

func (t *Table) claim(owner map[string]string, site string, hosts []string, r *Route, errs []error) []error {
	for _, d := range hosts {
		d = strings.ToLower(strings.TrimSuffix(d, "."))
		if prev, taken := owner[d]; taken {
			errs = append(errs, fmt.Errorf("domain %q is claimed by sites %q and %q; routing it to %q", d, prev, site, prev))
			continue
		}
		owner[d] = site
		if rest, ok := strings.CutPrefix(d, "*."); ok {
			t.wildcard[rest] = r
		} else {
			t.exact[d] = r
		}
	}
	return errs
}

// Lookup finds the route for a Host header value (port and trailing dot
// allowed, any case).
func (t *Table) Lookup(host string) (*Route, bool) {
	return t.LookupNormalized(NormalizeHost(host))
}

// LookupNormalized is Lookup for a host already lowercased and stripped of
// port and trailing dot, so the request path can skip the allocation.
func (t *Table) LookupNormalized(host string) (*Route, bool) {
	if r, ok := t.exact[host]; ok {
		return r, true
	}
	if _, rest, ok := strings.Cut(host, "."); ok {
		if r, ok := t.wildcard[rest]; ok {
			return r, true
		}
	}
	return nil, false
}

// Each calls f once for every route in the table.
func (t *Table) Each(f func(*Route)) {
	for _, r := range t.exact {
		f(r)
	}
	for _, r := range t.wildcard {
		f(r)
	}
}

// Sites is how many sites the table was built from.
func (t *Table) Sites() int { return t.sites }

// LookupBytes is LookupNormalized for a host held in a byte slice; Go
// indexes a map by string(b) without copying, so the proxy's hot path
// allocates nothing here.
func (t *Table) LookupBytes(host []byte) (*Route, bool) {
	if r, ok := t.exact[string(host)]; ok {
		return r, true
	}
	for i, c := range host {
		if c == '.' {
			r, ok := t.wildcard[string(host[i+1:])]
			return r, ok
		}
	}
	return nil, false
}

// NormalizeHost lowercases a Host header value and strips its port and
// trailing dot.
func NormalizeHost(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.ToLower(strings.TrimSuffix(host, "."))
}

// HasHost says whether host (normalized) is routed, which is what decides
// whether the router may ask for a certificate for it.
func (t *Table) HasHost(host string) bool {
	_, ok := t.LookupNormalized(host)
	return ok
}

// Store holds the current Table. Readers never block; a writer replaces the
// whole table at once, so a request sees either the old or the new routes,
// never a mix.
type Store struct{ p atomic.Pointer[Table] }

// NewStore starts with an empty table: every host is unknown until a
// source publishes.
func NewStore() *Store {
	s := &Store{}
	t, _ := Build(nil)
	s.p.Store(t)
	return s
}

func (s *Store) Load() *Table     { return s.p.Load() }
func (s *Store) Publish(t *Table) { s.p.Store(t) }
