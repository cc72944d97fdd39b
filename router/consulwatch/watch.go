// Package consulwatch feeds the router's route table from Consul. It is the
// only router package that imports Consul's types; what leaves it is plain
// []routes.Site.
//
// It uses blocking queries throughout: one on the service catalog to learn
// which hostctl sites exist, and one per site on its health, so an idle
// cluster costs no requests and a change arrives as soon as Consul has it.
package consulwatch

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	consul "github.com/hashicorp/consul/api"

	"github.com/hostctl/hostctl/router/routes"
)

// Labels written by the job renderer (jobs.ServiceTag etc.). Repeated here
// rather than imported so the router does not depend on the spec package.
const (
	serviceTag    = "hostctl"
	metaDomains   = "hostctl_domains"
	metaRedirects = "hostctl_redirects"
)

// Watcher keeps a live view of hostctl services and calls Publish with the
// whole set of sites after every change.
type Watcher struct {
	Client  *consul.Client
	Publish func([]routes.Site)
	// Health is told when Consul answers and when it fails, so the router
	// can say in /healthz that it is serving a stale table.
	Health func(err error)
	Log    *slog.Logger
	// Settle batches changes that arrive together (a deploy touches several
	// instances at once) into one table rebuild.
	Settle time.Duration

	mu    sync.Mutex
	sites map[string]routes.Site
	dirty chan struct{}
}

// WaitTime is how long one blocking query may wait for a change.
const WaitTime = 5 * time.Minute

// Run watches until ctx ends. It never returns early on Consul errors: it
// backs off and retries, and the router keeps its last table meanwhile.
func (w *Watcher) Run(ctx context.Context) error {
	w.sites = map[string]routes.Site{}
	w.dirty = make(chan struct{}, 1)
	if w.Log == nil {
		w.Log = slog.Default()
	}
	go w.publishLoop(ctx)

	watching := map[string]context.CancelFunc{}
	defer func() {
		for _, cancel := range watching {
			cancel()
		}
	}()
	var index uint64
	backoff := newBackoff()
	for ctx.Err() == nil {
		q := (&consul.QueryOptions{WaitIndex: index, WaitTime: WaitTime}).WithContext(ctx)
		services, meta, err := w.Client.Catalog().Services(q)
		if err != nil {
			w.failed(ctx, "catalog", err, backoff)
			continue
		}
		w.report(nil)
		backoff.reset()
		index = resetIndex(index, meta.LastIndex)
		wanted := map[string]bool{}
		for name, tags := range services {
			if slices.Contains(tags, serviceTag) {
				wanted[name] = true
			}
		}
		for name := range wanted {
			if _, ok := watching[name]; !ok {
				sctx, cancel := context.WithCancel(ctx)
				watching[name] = cancel
				go w.watchService(sctx, name)
			}
		}
		for name, cancel := range watching {
			if !wanted[name] {
				cancel()
				delete(watching, name)
				w.set(name, nil)
			}
		}
		if len(services) == 0 || len(wanted) == 0 {
			// Nothing to wait for per site: publish the empty table now so
			// the router is ready.
			w.markDirty()
		}
	}
	return ctx.Err()
}

// watchService follows one site's instances and their health.
func (w *Watcher) watchService(ctx context.Context, name string) {
	var index uint64
	backoff := newBackoff()
	for ctx.Err() == nil {
		q := (&consul.QueryOptions{WaitIndex: index, WaitTime: WaitTime}).WithContext(ctx)
		entries, meta, err := w.Client.Health().Service(name, serviceTag, false, q)
		if err != nil {
			w.failed(ctx, "service "+name, err, backoff)
			continue
		}
		backoff.reset()
		index = resetIndex(index, meta.LastIndex)
		if ctx.Err() == nil {
			site := toSite(name, entries)
			w.set(name, &site)
		}
	}
}

// toSite turns Consul's view of a service into the routing core's. Only
// instances whose every check passes (including the node's own) receive
// traffic; the domains come from the instances' metadata.
func toSite(name string, entries []*consul.ServiceEntry) routes.Site {
	s := routes.Site{Name: name}
	domains := map[string]bool{}
	redirects := map[string]bool{}
	for _, e := range entries {
		// The first domain is the one redirects point at, so keep the
		// order the spec gave.
		for _, d := range strings.Split(e.Service.Meta[metaDomains], ",") {
			if d = strings.TrimSpace(d); d != "" && !domains[d] {
				domains[d] = true
				s.Domains = append(s.Domains, d)
			}
		}
		for _, d := range strings.Split(e.Service.Meta[metaRedirects], ",") {
			if d = strings.TrimSpace(d); d != "" && !redirects[d] {
				redirects[d] = true
				s.Redirects = append(s.Redirects, d)
			}
		}
		if e.Checks.AggregatedStatus() != consul.HealthPassing {
			continue
		}
		addr := e.Service.Address
		if addr == "" {
			addr = e.Node.Address
		}
		s.Backends = append(s.Backends, routes.Backend{ID: e.Service.ID, Addr: joinHostPort(addr, e.Service.Port)})
	}
	slices.SortFunc(s.Backends, func(a, b routes.Backend) int { return strings.Compare(a.ID, b.ID) })
	return s
}

func (w *Watcher) set(name string, s *routes.Site) {
	w.mu.Lock()
	if s == nil {
		delete(w.sites, name)
	} else {
		w.sites[name] = *s
	}
	w.mu.Unlock()
	w.markDirty()
}

func (w *Watcher) markDirty() {
	select {
	case w.dirty <- struct{}{}:
	default:
	}
}

func (w *Watcher) publishLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.dirty:
		}
		if w.Settle > 0 {
			time.Sleep(w.Settle)
		}
		w.mu.Lock()
		sites := make([]routes.Site, 0, len(w.sites))
		for _, s := range w.sites {
			sites = append(sites, s)
		}
		w.mu.Unlock()
		w.Publish(sites)
	}
}

func (w *Watcher) failed(ctx context.Context, what string, err error, b *backoff) {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return
	}
	w.report(err)
	d := b.next()
	w.Log.Warn("consul query failed; keeping the last route table", "query", what, "err", err, "retry_in", d)
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func (w *Watcher) report(err error) {
	if w.Health != nil {
		w.Health(err)
	}
}

// resetIndex follows Consul's advice for blocking queries: an index that
// goes backwards (a restored snapshot, a new leader) means start over.
func resetIndex(prev, next uint64) uint64 {
	if next < prev || next == 0 {
		return 0
	}
	return next
}
