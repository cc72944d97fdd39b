// Package proxy is the router's request path: it reads the Host header,
// looks the route up in the current table (lock-free), and forwards the
// request to one of the site's instances.
//
// Most requests take a fast path written for this job: a strict HTTP/1.1
// head parser over the connection's read buffer, keep-alive pools per
// backend, and the response relayed without building http.Request or
// http.Response values. A pprof of net/http/httputil.ReverseProxy at one
// core showed its time in per-request allocation (request clone, header
// maps, a 32 KiB copy buffer), the transport's two goroutines per
// connection and their channel hand-offs, and timers; the fast path has
// none of those. Every other request (other HTTP versions, upgrades,
// chunked uploads, static files, redirects, error pages, TLS) is handed,
// with the bytes already read, to a net/http server running the same
// routing, so the fast path only has to be right for the plain cases.
package proxy

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hostctl/hostctl/router/routes"
)

// Config tunes the proxy. Zero values take the defaults below.
type Config struct {
	Log     *slog.Logger
	Metrics *Metrics
	// AccessLog receives one JSON line per request; nil turns it off.
	AccessLog io.Writer
	// HTTPSPort, when set, is where sites marked HTTPS-only are redirected.
	HTTPSPort string
	// Selector chooses the instance for each attempt, on both paths; nil
	// means P2C.
	Selector Selector
	// Waker wakes sleeping sites; nil: requests for one get 503.
	Waker Waker
	Wake  WakeConfig

	MaxHeaderBytes        int           // request head; larger gets 431
	MaxBodyBytes          int64         // request body; larger gets 413
	ReadHeaderTimeout     time.Duration // from a request's first byte to its last header
	ReadTimeout           time.Duration // reading a request body
	WriteTimeout          time.Duration // a response write making no progress
	IdleTimeout           time.Duration // between requests on a keep-alive connection
	ResponseHeaderTimeout time.Duration // a backend answering
	StreamIdleTimeout     time.Duration // a streamed response with no new bytes
}

func (c *Config) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.ReadHeaderTimeout, 10*time.Second)
	def(&c.ReadTimeout, 60*time.Second)
	def(&c.WriteTimeout, 60*time.Second)
	def(&c.IdleTimeout, 75*time.Second)
	def(&c.ResponseHeaderTimeout, 60*time.Second)
	def(&c.StreamIdleTimeout, 5*time.Minute)
	if c.MaxHeaderBytes == 0 {
		c.MaxHeaderBytes = 64 << 10
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 100 << 20
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Metrics == nil {
		c.Metrics = NewMetrics(nil)
	}
	if c.Selector == nil {
		c.Selector = P2C{}
	}
}

// Proxy serves site traffic from the tables published to its store.
type Proxy struct {
	cfg       Config
	store     *routes.Store
	upstreams upstreams
	access    *accessLog
	slow      *http.Server
	handoff   *chanListener
	slowOnce  sync.Once
	wakes     *wakes
	activity  activity

	mu       sync.Mutex
	conns    map[*clientConn]struct{}
	draining atomic.Bool
	wg       sync.WaitGroup
}

// New returns a Proxy routing with the tables published to store.
func New(store *routes.Store, cfg Config) *Proxy {
	cfg.defaults()
	p := &Proxy{cfg: cfg, store: store, conns: map[*clientConn]struct{}{}}
	p.wakes = newWakes(cfg.Wake, cfg.Waker, store, cfg.Log, cfg.Metrics.wake)
	if cfg.AccessLog != nil {
		p.access = newAccessLog(cfg.AccessLog)
	}
	p.handoff = newChanListener()
	p.slow = &http.Server{
		Handler:           p.Handler(false),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(cfg.Log.Handler(), slog.LevelWarn),
	}
	return p
}

// Published tells the proxy a new table is live, so balancing state,
// connection pools and activity of instances and sites no longer routed
// can go.
func (p *Proxy) Published(t *routes.Table) {
	keep, sites := map[string]bool{}, map[string]bool{}
	t.Each(func(r *routes.Route) {
		sites[r.Site] = true
		for _, bs := range [][]routes.Backend{r.Backends, r.Starting} {
			for _, b := range bs {
				keep[b.Addr] = true
				if b.StaticAddr != "" {
					keep[b.StaticAddr] = true
				}
			}
		}
	})
	p.upstreams.retain(keep)
	p.activity.retain(sites)
}

// Serve accepts plain-HTTP connections on ln until Shutdown.
func (p *Proxy) Serve(ln net.Listener) error {
	p.slowOnce.Do(func() { go func() { _ = p.slow.Serve(p.handoff) }() })
	go p.sweepLoop()
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if p.draining.Load() {
				return http.ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		cc := p.newConn(c)
		if cc == nil {
			continue
		}
		go cc.serve()
	}
}

func (p *Proxy) sweepLoop() {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for now := range t.C {
		if p.draining.Load() {
			return
		}
		p.upstreams.sweep(now)
	}
}

// Shutdown stops taking requests, lets in-flight ones finish (responses
// say Connection: close), closes idle connections, and waits until every
// connection is done or ctx ends. Listeners are the caller's to close
// first.
func (p *Proxy) Shutdown(ctx context.Context) error {
	p.draining.Store(true)
	p.mu.Lock()
	for c := range p.conns {
		c.interruptIfIdle()
	}
	p.mu.Unlock()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	err := p.slow.Shutdown(ctx)
	select {
	case <-done:
	case <-ctx.Done():
		err = errors.Join(err, ctx.Err())
	}
	p.upstreams.m.Range(func(_, v any) bool { v.(*upstream).closeIdle(1 << 62); return true })
	if p.access != nil {
		p.access.flush()
	}
	return err
}
