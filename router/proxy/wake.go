package proxy

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/hostctl/hostctl/router/routes"
)

// Waker starts sleeping sites. The router's wiring gives it the sleep
// package's client; the proxy does not import it (nor Nomad, nor Consul).
type Waker interface {
	// Wake scales the site back up and returns without waiting for it;
	// started is false if something else already had.
	Wake(ctx context.Context, site string) (started bool, err error)
	// Awake says the site answers again (its sleep marker can go).
	Awake(ctx context.Context, site string) error
	// WakeFailed records why a wake failed, for `site status`.
	WakeFailed(ctx context.Context, site, reason string) error
}

// WakeConfig bounds waking. Zero values take the defaults.
type WakeConfig struct {
	// Timeout is how long a wake may take, from the site's start to an
	// instance accepting a connection (default 30 s).
	Timeout time.Duration
	// Concurrent is how many sites this router starts at once (default
	// 32); further wakes wait for one of those to settle before their
	// site is started, and their Timeout runs from then. A burst of 100
	// wakes on a 2-core node started 100 Pythons together, each slowed
	// by the other 99, and most missed the timeout; in turn, each starts
	// in a second or two.
	Concurrent int
	// Queue and QueueTotal bound the requests waiting for one site and
	// for all sites (defaults 256 and 4096); more get 503 at once.
	Queue, QueueTotal int
	// Rate and Burst limit how many wakes this router starts (default 20
	// a second, bursts of 100), so one client cannot wake every site.
	Rate  float64
	Burst int
	// Probe is how often a waking site's instances are dialled (default
	// 15 ms): waiting requests go out as soon as one accepts, not a
	// health-check interval later.
	Probe time.Duration
	// Hold is how long after a wake requests still go to the instances that
	// accepted while Consul does not list them as passing yet (default
	// 1 min): the sleep marker is gone by then, so the site looks merely
	// down.
	Hold time.Duration
}

func (c *WakeConfig) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.Timeout, 30*time.Second)
	def(&c.Probe, 15*time.Millisecond)
	def(&c.Hold, time.Minute)
	if c.Concurrent <= 0 {
		c.Concurrent = 32
	}
	if c.Queue <= 0 {
		c.Queue = 256
	}
	if c.QueueTotal <= 0 {
		c.QueueTotal = 4096
	}
	if c.Rate <= 0 {
		c.Rate = 20
	}
	if c.Burst <= 0 {
		c.Burst = 100
	}
}

// wakes holds the wakes in progress (and recently done) on this router:
// one per site however many requests wait for it.
type wakes struct {
	cfg    WakeConfig
	waker  Waker // nil: this router cannot wake sites
	store  *routes.Store
	log    *slog.Logger
	m      *wakeMetrics
	dialer dialFunc

	// starting holds a token per site being started (cfg.Concurrent).
	starting chan struct{}

	mu      sync.Mutex
	bySite  map[string]*wake
	waiting int // requests waiting, all sites
	tokens  bucket
}

// wake is one site's wake. Its result fields are written before done is
// closed and only read after.
type wake struct {
	site    string
	start   time.Time
	waiting int // requests waiting for it (under wakes.mu)
	done    chan struct{}

	ready []routes.Backend // the instances that accepted
	until time.Time        // ready is used until then
	fail  *refusal         // why it failed; nil if it did not
}

func newWakes(cfg WakeConfig, w Waker, store *routes.Store, log *slog.Logger, m *wakeMetrics) *wakes {
	cfg.defaults()
	return &wakes{cfg: cfg, waker: w, store: store, log: log, m: m, dialer: dialTCP,
		starting: make(chan struct{}, cfg.Concurrent),
		bySite:   map[string]*wake{}, tokens: newBucket(cfg.Rate, cfg.Burst, time.Now())}
}

// serve is what the proxy does with a request for a site that has no
// healthy instance: it returns the route to forward the request on (the
// instances a wake found accepting), or the answer to give instead.
func (ws *wakes) serve(ctx context.Context, route *routes.Route, host string) (*routes.Route, *refusal) {
	w, now, ref := ws.join(route)
	if ref != nil || now != nil {
		return now, ref
	}
	defer ws.leave(w)
	select {
	case <-w.done:
	case <-ctx.Done():
		return nil, waitAbandoned
	}
	switch {
	case w.fail == errGone:
		return nil, notHosted(host)
	case w.fail != nil:
		return nil, w.fail
	}
	return route.WithBackends(w.ready), nil
}

// join makes the request wait for the site's wake, starting one if none
// is under way and the site is asleep. A wake that already found an
// instance serves the request at once (now); a request that may not wait
// gets a refusal.
func (ws *wakes) join(route *routes.Route) (w *wake, now *routes.Route, ref *refusal) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	w = ws.bySite[route.Site]
	if w != nil && w.settled() {
		if ready := w.readyIn(route, time.Now()); len(ready) > 0 {
			return nil, route.WithBackends(ready), nil
		}
		delete(ws.bySite, route.Site)
		w = nil
	}
	if w == nil {
		if w, ref = ws.start(route); ref != nil {
			return nil, nil, ref
		}
	}
	if ref := ws.enqueue(w); ref != nil {
		return nil, nil, ref
	}
	return w, nil, nil
}

// start begins a wake for an asleep site, if this router may.
func (ws *wakes) start(route *routes.Route) (*wake, *refusal) {
	switch {
	case !route.Asleep:
		return nil, noInstance(route.Site)
	case ws.waker == nil:
		ws.m.rejected("cannot_wake")
		return nil, cannotWake(route.Site)
	case ws.waiting >= ws.cfg.QueueTotal:
		ws.m.rejected("total_queue")
		return nil, queueFull(route.Site)
	case !ws.tokens.take(time.Now()):
		ws.m.rejected("rate")
		return nil, tooManyWakes
	}
	w := &wake{site: route.Site, start: time.Now(), done: make(chan struct{})}
	ws.bySite[route.Site] = w
	ws.m.started.Inc()
	go ws.run(w)
	return w, nil
}

func (ws *wakes) enqueue(w *wake) *refusal {
	switch {
	case w.waiting >= ws.cfg.Queue:
		ws.m.rejected("site_queue")
		return queueFull(w.site)
	case ws.waiting >= ws.cfg.QueueTotal:
		ws.m.rejected("total_queue")
		return queueFull(w.site)
	}
	w.waiting++
	ws.waiting++
	ws.m.waiting.Inc()
	return nil
}

func (ws *wakes) leave(w *wake) {
	ws.mu.Lock()
	w.waiting--
	ws.waiting--
	ws.mu.Unlock()
	ws.m.waiting.Dec()
}

func (w *wake) settled() bool {
	select {
	case <-w.done:
		return true
	default:
		return false
	}
}

// readyIn returns the instances the wake found that the route still lists,
// while the wake is fresh: once Consul has caught up (or the site went
// back to sleep) the table decides again.
func (w *wake) readyIn(route *routes.Route, now time.Time) []routes.Backend {
	if w.fail != nil || now.After(w.until) {
		return nil
	}
	var out []routes.Backend
	for _, b := range w.ready {
		for _, s := range route.Starting {
			if s.Addr == b.Addr {
				out = append(out, b)
				break
			}
		}
	}
	return out
}
