// Package routes is the router's routing core: which instances serve which
// host. It knows nothing of Consul or HTTP; a source (the Consul watcher, a
// test) builds a fresh immutable Table from []Site and publishes it through
// a Store, and the proxy reads the current Table without taking a lock.
package routes

import (
	"fmt"
	"math"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
)

// Backend is one running instance of a site: in Backends, one that passed
// its health check; in Starting, one registered but not passing yet.
type Backend struct {
	ID   string // stable per instance, for logs and metrics
	Addr string // host:port
	// StaticAddr, when set, is the instance's static server (host:port):
	// its launcher serves the site's InstanceStatic prefixes there from
	// the instance's copy of the app, without Python.
	StaticAddr string
}

// Static is a URL prefix the router answers from a directory on its own
// disk instead of passing it to the site.
type Static struct {
	Prefix string // starts and ends with "/"
	Dir    string // absolute and clean, as the site's meta gave it
	// Root, Base and Sub are set by ConfineStatic once Dir is known to be
	// the site's own: Base is the site's directory inside the static root
	// Root ("<site>" or "sites/<site>"), Sub the rest of Dir below it ("."
	// for Base itself). The proxy opens Root/Base as the root that confines
	// every lookup, so a link in one site's files cannot reach another's;
	// a Static without them is never served.
	Root, Base, Sub string
}

// Site is a site as a source sees it: its domains and its healthy backends.
// A site with no backends is still routed, so it can answer 503 instead of
// pretending the host is unknown.
type Site struct {
	Name     string
	Domains  []string
	Backends []Backend
	// Starting are instances registered but not passing their health check
	// yet (or any more): the proxy only uses them while it wakes the site.
	Starting []Backend
	// Asleep: the site is scaled to zero and the proxy wakes it on the
	// first request. Its hosts stay in the table like any site's.
	Asleep bool
	// Redirects answer with a permanent redirect to the site's first
	// domain it owns.
	Redirects []string
	Static    []Static
	// InstanceStatic are URL prefixes the instances serve on their
	// StaticAddr; requests under them go there instead of to gunicorn.
	InstanceStatic []string
	// HTTPSOnly sends plain-HTTP requests to the same URL over HTTPS.
	HTTPSOnly bool
	// Since orders claims on a contested host when no site owned it in the
	// previous table: the oldest claim wins (for Consul, the smallest
	// CreateIndex among the site's registered instances). 0 is unknown and
	// counts as newest, so a source that cannot tell never outranks one
	// that can.
	Since uint64
}

// Route is what a lookup returns. Its fields never change after Build;
// balancing state lives with the proxy, keyed by backend address, so it
// survives table swaps.
type Route struct {
	Site     string
	Backends []Backend
	Starting []Backend
	Asleep   bool
	// RedirectTo, when set, is the host this one permanently redirects to;
	// such a route has no backends.
	RedirectTo     string
	Static         []Static
	InstanceStatic []string
	HTTPSOnly      bool
	// staticServers is StaticServers' answer, made once with the table
	// rather than on every static request.
	staticServers *Route
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

// InstanceStaticFor reports whether path falls under a prefix the
// instances' static servers answer.
func (r *Route) InstanceStaticFor(path string) bool {
	for _, p := range r.InstanceStatic {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// StaticServers returns the route narrowed to the instances that run a
// static server, each addressed at that server, or nil if none does (an
// instance of a version rendered before instances served static files).
// Selection, retries and ejection then work on it as on any route; the
// static servers' upstream state is their own, keyed by their address.
func (r *Route) StaticServers() *Route { return r.staticServers }

// WithBackends is a copy of the route serving backends (a woken site's
// instances, before Consul lists them as routable).
func (r *Route) WithBackends(backends []Backend) *Route {
	c := *r
	c.Backends = backends
	c.staticServers = c.narrowToStaticServers()
	return &c
}

func (r *Route) narrowToStaticServers() *Route {
	var bs []Backend
	for _, b := range r.Backends {
		if b.StaticAddr != "" {
			bs = append(bs, Backend{ID: b.ID + "/static", Addr: b.StaticAddr})
		}
	}
	if len(bs) == 0 {
		return nil
	}
	return &Route{Site: r.Site, Backends: bs, HTTPSOnly: r.HTTPSOnly}
}

// Table maps hosts to routes. Exact hosts win over wildcards; a wildcard
// "*.example.com" matches exactly one more label, as TLS wildcards do.
type Table struct {
	exact    map[string]*Route
	wildcard map[string]*Route // keyed by the part after "*."
	bySite   map[string]*Route // each site's own route (not its redirects)
	sites    int
}

// claim is one site asking for one host (an exact name or "*.rest").
type claim struct {
	site     *Site
	redirect bool
}

// Build makes a Table from sites. prev is the table it replaces (nil after
// a restart): tenants are hostile, so a host never moves from the site
// that owns it to a newcomer. When several sites claim one host it goes
// to the site that owned it in prev if that site still claims it, else to
// the oldest claim (Site.Since), else to the name that sorts first; the
// outcome never depends on source order. An exact host under another
// site's wildcard is a contest for that host under the same rule: if the
// wildcard's owner wins, the exact route is dropped and the host resolves
// through the wildcard. Redirect hosts are claims like domains. Every
// contest is returned as an error.
func Build(sites []Site, prev *Table) (*Table, []error) {
	sorted := make([]Site, len(sites))
	copy(sorted, sites)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	t := &Table{exact: map[string]*Route{}, wildcard: map[string]*Route{}, bySite: map[string]*Route{}, sites: len(sorted)}

	claims := map[string][]claim{}
	for i := range sorted {
		s := &sorted[i]
		add := func(hosts []string, redirect bool) {
			for _, h := range hosts {
				h = normalizeClaim(h)
				// A site naming a host twice (or as a domain and a
				// redirect) claims it once, as a domain.
				if cs := claims[h]; h == "" || len(cs) > 0 && cs[len(cs)-1].site == s {
					continue
				}
				claims[h] = append(claims[h], claim{site: s, redirect: redirect})
			}
		}
		add(s.Domains, false)
		add(s.Redirects, true)
	}
	hosts := make([]string, 0, len(claims))
	for h := range claims {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)

	var errs []error
	won := map[string]claim{}
	for _, h := range hosts {
		cs := claims[h]
		w := winner(cs, prev.owner(h))
		won[h] = w
		if len(cs) > 1 {
			names := make([]string, len(cs))
			for i, c := range cs {
				names[i] = strconv.Quote(c.site.Name)
			}
			errs = append(errs, fmt.Errorf("host %q is claimed by sites %s; routing it to %q",
				h, strings.Join(names, ", "), w.site.Name))
		}
	}
	// An exact host that another site's wildcard covers is contested too:
	// otherwise a newcomer could take one name under an existing wildcard
	// simply because exact names are looked up first.
	for _, h := range hosts {
		rest, ok := wildcardParent(h)
		if !ok {
			continue
		}
		wc, covered := won["*."+rest]
		e := won[h]
		if !covered || wc.site == e.site {
			continue
		}
		w := winner([]claim{e, wc}, prev.owner(h))
		if w.site == wc.site {
			delete(won, h)
		}
		errs = append(errs, fmt.Errorf("host %q is claimed by site %q and covered by site %q's wildcard %q; routing it to %q",
			h, e.site.Name, wc.site.Name, "*."+rest, w.site.Name))
	}

	routesOf, redirectsOf := map[*Site]*Route{}, map[*Site]*Route{}
	for _, h := range hosts {
		c, ok := won[h]
		if !ok {
			continue
		}
		s := c.site
		var r *Route
		if c.redirect {
			if r = redirectsOf[s]; r == nil {
				to, ok := redirectTarget(s, won)
				if !ok {
					errs = append(errs, fmt.Errorf("redirect host %q of site %q: the site owns none of its domains; not routed", h, s.Name))
					continue
				}
				r = &Route{Site: s.Name, RedirectTo: to, HTTPSOnly: s.HTTPSOnly}
				redirectsOf[s] = r
			}
		} else {
			if r = routesOf[s]; r == nil {
				r = &Route{Site: s.Name, Backends: append([]Backend(nil), s.Backends...), HTTPSOnly: s.HTTPSOnly,
					Starting: append([]Backend(nil), s.Starting...), Asleep: s.Asleep,
					InstanceStatic: append([]string(nil), s.InstanceStatic...)}
				for _, st := range s.Static {
					if st.Root != "" && st.Base != "" && st.Sub != "" {
						r.Static = append(r.Static, st)
					}
				}
				r.staticServers = r.narrowToStaticServers()
				routesOf[s] = r
				t.bySite[s.Name] = r
			}
		}
		if rest, ok := strings.CutPrefix(h, "*."); ok {
			t.wildcard[rest] = r
		} else {
			t.exact[h] = r
		}
	}
	return t, errs
}

// winner picks among claims on one host: the previous owner if it still
// claims it, else the oldest claim, else the first name.
func winner(cs []claim, prevOwner string) claim {
	if prevOwner != "" {
		for _, c := range cs {
			if c.site.Name == prevOwner {
				return c
			}
		}
	}
	best := cs[0]
	for _, c := range cs[1:] {
		a, b := since(c.site), since(best.site)
		if a < b || a == b && c.site.Name < best.site.Name {
			best = c
		}
	}
	return best
}

func since(s *Site) uint64 {
	if s.Since == 0 {
		return math.MaxUint64
	}
	return s.Since
}

// redirectTarget is the first of the site's domains that it owns: a
// redirect must never send visitors to a host another site won.
func redirectTarget(s *Site, won map[string]claim) (string, bool) {
	for _, d := range s.Domains {
		d = normalizeClaim(d)
		if c, ok := won[d]; ok && c.site == s && !c.redirect && !strings.HasPrefix(d, "*.") {
			return d, true
		}
	}
	return "", false
}

func normalizeClaim(h string) string {
	return strings.ToLower(strings.TrimSuffix(h, "."))
}

// wildcardParent returns the part of an exact host that a wildcard
// covering it is keyed by ("a.b.c" -> "b.c").
func wildcardParent(h string) (string, bool) {
	if strings.HasPrefix(h, "*.") {
		return "", false
	}
	_, rest, ok := strings.Cut(h, ".")
	return rest, ok && rest != ""
}

// owner is the site that served host (exact or "*.rest") in t, or "".
func (t *Table) owner(host string) string {
	if t == nil {
		return ""
	}
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		if r, ok := t.wildcard[rest]; ok {
			return r.Site
		}
		return ""
	}
	if r, ok := t.LookupNormalized(host); ok {
		return r.Site
	}
	return ""
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

// Site returns the route of the site's own domains, if it owns any: the
// proxy follows a waking site in the latest table by name, whichever host
// the request came in on.
func (t *Table) Site(name string) (*Route, bool) {
	r, ok := t.bySite[name]
	return r, ok
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
	t, _ := Build(nil, nil)
	s.p.Store(t)
	return s
}

func (s *Store) Load() *Table     { return s.p.Load() }
func (s *Store) Publish(t *Table) { s.p.Store(t) }
