package proxy

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/hostctl/hostctl/router/routes"
)

// probeDialTimeout bounds one readiness dial. A starting instance on a
// live node refuses or accepts within a millisecond; only a dead node's
// address hangs, and it must not hold up the next round for long.
const probeDialTimeout = 250 * time.Millisecond

// notifyTimeout bounds the Awake and WakeFailed calls.
const notifyTimeout = 10 * time.Second

type dialFunc func(ctx context.Context, addr string) bool

func dialTCP(ctx context.Context, addr string) bool {
	ctx, cancel := context.WithTimeout(ctx, probeDialTimeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// run carries one wake: asks the Waker to start the site and, meanwhile,
// dials its instances until one accepts, the Waker fails, or the timeout
// passes.
func (ws *wakes) run(w *wake) {
	ws.starting <- struct{}{}
	defer func() { <-ws.starting }()
	ctx, cancel := context.WithTimeout(context.Background(), ws.cfg.Timeout)
	defer cancel()
	wakeErr := make(chan error, 1)
	go func() {
		// Its own context: a probe that succeeds first must not cut a
		// scale-up short halfway.
		wctx, wcancel := context.WithTimeout(context.Background(), ws.cfg.Timeout)
		defer wcancel()
		started, err := ws.waker.Wake(wctx, w.site)
		ws.log.Info("waking site", "site", w.site, "started", started, "err", err)
		wakeErr <- err
	}()
	ready, fail, detail := ws.probe(ctx, w.site, wakeErr)
	ws.settle(w, ready, fail, detail)
}

// probe dials the site's instances in the latest table every cfg.Probe.
// It returns those that accepted, or why none did: the public refusal and
// the detail recorded for operators.
func (ws *wakes) probe(ctx context.Context, site string, wakeErr <-chan error) ([]routes.Backend, *refusal, string) {
	tick := time.NewTicker(ws.cfg.Probe)
	defer tick.Stop()
	for {
		route, ok := ws.store.Load().Site(site)
		if !ok {
			return nil, errGone, "the site left the route table while waking"
		}
		if up := ws.accepting(ctx, route); len(up) > 0 {
			return up, nil, ""
		}
		select {
		case err := <-wakeErr:
			if err != nil {
				return nil, wakeFailed(site, "its instances could not be started"), "starting the site failed: " + err.Error()
			}
			wakeErr = nil // started (or already running): keep probing
		case <-ctx.Done():
			why := fmt.Sprintf("no instance accepted a connection within %s", ws.cfg.Timeout)
			return nil, wakeFailed(site, why), why
		case <-tick.C:
		}
	}
}

// accepting dials every instance the route lists, at once, and returns
// those that accepted.
func (ws *wakes) accepting(ctx context.Context, route *routes.Route) []routes.Backend {
	candidates := append(append([]routes.Backend(nil), route.Backends...), route.Starting...)
	ok := make([]bool, len(candidates))
	var wg sync.WaitGroup
	for i, b := range candidates {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok[i] = ws.dialer(ctx, b.Addr)
		}()
	}
	wg.Wait()
	var up []routes.Backend
	for i, b := range candidates {
		if ok[i] {
			up = append(up, b)
		}
	}
	return up
}

// settle publishes the wake's result to the requests waiting for it and
// tells the Waker. A failed wake leaves the table at once, so the next
// request may try again; a successful one stays for cfg.Hold.
func (ws *wakes) settle(w *wake, ready []routes.Backend, fail *refusal, detail string) {
	ws.mu.Lock()
	w.ready, w.fail = ready, fail
	if fail != nil {
		delete(ws.bySite, w.site)
	} else {
		w.until = time.Now().Add(ws.cfg.Hold)
		time.AfterFunc(ws.cfg.Hold, func() { ws.forget(w) })
	}
	close(w.done)
	ws.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), notifyTimeout)
	defer cancel()
	switch {
	case fail == errGone:
		ws.log.Info("waking site: it left the route table", "site", w.site)
	case fail != nil:
		ws.m.failed.Inc()
		ws.log.Warn("site failed to wake", "site", w.site, "reason", detail)
		if err := ws.waker.WakeFailed(ctx, w.site, detail); err != nil {
			ws.log.Warn("recording a failed wake", "site", w.site, "err", err)
		}
	default:
		ws.m.latency.Observe(time.Since(w.start).Seconds())
		ws.log.Info("site awake", "site", w.site, "after", time.Since(w.start), "instances", len(ready))
		if err := ws.waker.Awake(ctx, w.site); err != nil {
			ws.log.Warn("marking a site awake", "site", w.site, "err", err)
		}
	}
}

func (ws *wakes) forget(w *wake) {
	ws.mu.Lock()
	if ws.bySite[w.site] == w {
		delete(ws.bySite, w.site)
	}
	ws.mu.Unlock()
}
