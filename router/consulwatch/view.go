package consulwatch

import (
	"slices"
	"strconv"
	"strings"

	consul "github.com/hashicorp/consul/api"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/router/routes"
)

// view is the watcher's latest answers from each query.
type view struct {
	nodes    map[string]bool
	ports    PortRange
	services map[string][]*consul.AgentService // by node; nil until the node answered
	addrs    map[string]string                 // node addresses, for services registered without one
	failing  failing
	// healthIndex is the Raft index the failing set was read at; zero until
	// the health query has answered.
	healthIndex uint64
	// ignored are the instances the last sites() left out as untrusted.
	ignored []string
}

func newView() view {
	return view{services: map[string][]*consul.AgentService{}, addrs: map[string]string{}, ports: DefaultBackendPorts}
}

// PortRange is the inclusive range of ports an instance may be routed on.
type PortRange struct{ Min, Max int }

// DefaultBackendPorts is Nomad's default dynamic port range, where every
// site instance's port comes from.
var DefaultBackendPorts = PortRange{Min: 20000, Max: 32000}

// trusted says whether an instance is one hostctl could have registered:
// on the address of the Consul node it is registered on (or none, meaning
// that one), on a port from Nomad's dynamic range. Anything else — a
// registration pointing the router at 127.0.0.1:4646, at another host, at
// a fixed port of the node — is never routed, whoever managed to register
// it.
func (v *view) trusted(nodeAddr string, s *consul.AgentService) bool {
	if s.Address != "" && s.Address != nodeAddr {
		return false
	}
	return s.Port >= v.ports.Min && s.Port <= v.ports.Max
}

func (v *view) setNodes(names map[string]bool) {
	v.nodes = names
	for n := range v.services {
		if !names[n] {
			delete(v.services, n)
			delete(v.addrs, n)
		}
	}
}

func (v *view) setServices(node, addr string, s []*consul.AgentService) {
	if !v.nodes[node] {
		return
	}
	v.addrs[node] = addr
	if s == nil {
		s = []*consul.AgentService{}
	}
	v.services[node] = s
}

func (v *view) setHealth(f failing, index uint64) {
	v.failing, v.healthIndex = f, index
}

// sites joins the catalog and health answers. ready is false until every
// known node and the health query have answered.
//
// The two answers come from separate queries, so the catalog may show an
// instance that the failing-checks answer is too old to know about: its
// check (critical until it first passes) was registered with it, in the
// same Raft entry. Such an instance is held back until a health answer at
// or past its CreateIndex arrives, which the check's registration itself
// triggers.
func (v *view) sites() ([]routes.Site, bool) {
	if v.nodes == nil || v.healthIndex == 0 {
		return nil, false
	}
	v.ignored = v.ignored[:0]
	bySite := map[string]*siteBuilder{}
	var order []string
	for node := range v.nodes {
		services, ok := v.services[node]
		if !ok {
			return nil, false
		}
		for _, s := range services {
			kind := v.classify(node, s)
			if kind == ignored {
				v.ignored = append(v.ignored, node+"/"+s.ID)
				continue
			}
			b := bySite[s.Service]
			if b == nil {
				b = &siteBuilder{site: routes.Site{Name: s.Service}, domains: map[string]bool{}, redirects: map[string]bool{}, static: map[string]bool{}}
				bySite[s.Service] = b
				order = append(order, s.Service)
			}
			b.addMeta(s)
			if kind == marker {
				b.site.Asleep = true
				continue
			}
			healthy := !v.failing.nodes[node] && !v.failing.instances[instanceKey{node, s.ID}] && s.CreateIndex <= v.healthIndex
			b.addInstance(node, v.addrs[node], s, healthy, v.ports)
		}
	}
	slices.Sort(order)
	out := make([]routes.Site, 0, len(order))
	byID := func(a, b routes.Backend) int { return strings.Compare(a.ID, b.ID) }
	for _, name := range order {
		s := bySite[name].site
		slices.SortFunc(s.Backends, byID)
		slices.SortFunc(s.Starting, byID)
		out = append(out, s)
	}
	return out, true
}

// registration is what a hostctl-tagged service in the catalog stands for.
type registration int

const (
	ignored  registration = iota // neither: never routed, its meta unread
	instance                     // a running instance of the site
	marker                       // the site sleeps (see contract.SleepNode)
)

// classify tells sleep markers from instances. A marker counts only on the
// sleep node and with its asleep time: it has no address to check, so
// anything on the sleep node that is not a marker, or a "marker" anywhere
// else, is a registration hostctl did not make and is ignored whole.
func (v *view) classify(node string, s *consul.AgentService) registration {
	since, claimsAsleep := s.Meta[contract.MetaAsleep]
	switch {
	case node == contract.SleepNode && since != "":
		return marker
	case node == contract.SleepNode || claimsAsleep:
		return ignored
	case v.trusted(v.addrs[node], s):
		return instance
	}
	return ignored
}

type siteBuilder struct {
	site                       routes.Site
	domains, redirects, static map[string]bool
}

// addMeta merges one registration's labels (an instance's or a marker's).
// Domains come from every one's meta, in the order the spec gave (the
// first is where redirects point), so a site mid-deploy routes the union
// of old and new domains. Its CreateIndex dates the site's claim.
func (b *siteBuilder) addMeta(s *consul.AgentService) {
	for _, d := range splitList(s.Meta[contract.MetaDomains]) {
		if !b.domains[d] {
			b.domains[d] = true
			b.site.Domains = append(b.site.Domains, d)
		}
	}
	for _, d := range splitList(s.Meta[contract.MetaRedirects]) {
		if !b.redirects[d] {
			b.redirects[d] = true
			b.site.Redirects = append(b.site.Redirects, d)
		}
	}
	for _, st := range parseStatic(s.Meta[contract.MetaStatic]) {
		if !b.static[st.Prefix] {
			b.static[st.Prefix] = true
			b.site.Static = append(b.site.Static, st)
		}
	}
	for _, p := range parseStaticURLs(s.Meta[contract.MetaStaticURLs]) {
		if !slices.Contains(b.site.InstanceStatic, p) {
			b.site.InstanceStatic = append(b.site.InstanceStatic, p)
		}
	}
	if b.site.Since == 0 || s.CreateIndex < b.site.Since {
		b.site.Since = s.CreateIndex
	}
	if s.Meta[contract.MetaHTTPS] == contract.HTTPSRedirect {
		b.site.HTTPSOnly = true
	}
}

// addInstance adds a trusted instance: to Backends once it passes its
// checks, to Starting until then (a waking site is served from those as
// soon as one accepts a connection).
func (b *siteBuilder) addInstance(node, nodeAddr string, s *consul.AgentService, healthy bool, ports PortRange) {
	addr := s.Address
	if addr == "" {
		addr = nodeAddr
	}
	be := routes.Backend{ID: node + "/" + s.ID, Addr: joinHostPort(addr, s.Port)}
	if p, ok := staticPort(s.Meta[contract.MetaStaticPort], s.Port, ports); ok {
		be.StaticAddr = joinHostPort(addr, p)
	}
	if healthy {
		b.site.Backends = append(b.site.Backends, be)
	} else {
		b.site.Starting = append(b.site.Starting, be)
	}
}

// parseStatic reads "url=dir,url=dir" strictly: the meta is shaped by the
// site's spec, so a pair that is not exactly a valid prefix, one '=', and
// an absolute clean dir is dropped rather than guessed at. Which dirs are
// then actually served is the router's decision (routes.ConfineStatic).
func parseStatic(meta string) []routes.Static {
	var out []routes.Static
	for _, pair := range strings.Split(meta, ",") {
		prefix, dir, ok := strings.Cut(pair, "=")
		if ok && routes.ValidStaticPrefix(prefix) && routes.ValidStaticDir(dir) {
			out = append(out, routes.Static{Prefix: prefix, Dir: dir})
		}
	}
	return out
}

// staticPort reads an instance's static server port from its meta (Nomad
// interpolates it when it registers the service). It is held to the rule
// the instance's own port is (see view.trusted): on the instance's
// address, which the caller uses, and in Nomad's dynamic range, so a
// registration cannot point the router at an agent's API or another
// host. A port equal to the web port would loop static requests into
// gunicorn: refused too.
func staticPort(meta string, web int, ports PortRange) (int, bool) {
	if meta == "" || len(meta) > 5 {
		return 0, false
	}
	p, err := strconv.Atoi(meta)
	if err != nil || p == web || p < ports.Min || p > ports.Max || strconv.Itoa(p) != meta {
		return 0, false
	}
	return p, true
}

// parseStaticURLs reads the prefixes the instances serve, strictly, as
// parseStatic does: "/" would send every request to the static server,
// and anything malformed is dropped.
func parseStaticURLs(meta string) []string {
	var out []string
	for _, p := range strings.Split(meta, ",") {
		if p != "/" && routes.ValidStaticPrefix(p) {
			out = append(out, p)
		}
	}
	return out
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
