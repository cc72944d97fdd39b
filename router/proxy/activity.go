package proxy

import (
	"sync"
	"sync/atomic"
	"time"
)

// activity records which sites get traffic, for the sleeper: a site that
// no router has seen for its sleep_after goes to sleep. It is written on
// every request, so the write is one lock-free map read and, at most once
// a second per site, one atomic store; many cores serving one site mostly
// read a cache line nobody writes.
type activity struct {
	sites sync.Map // site -> *siteActivity
	// lastTake is the unix second of the previous Take.
	mu       sync.Mutex
	lastTake int64
}

type siteActivity struct {
	lastSeen atomic.Int64 // unix seconds
	// open counts the site's requests on the net/http path in flight
	// (websockets, long responses): a site is active while one is open.
	open atomic.Int64
}

func (a *activity) site(name string) *siteActivity {
	if v, ok := a.sites.Load(name); ok {
		return v.(*siteActivity)
	}
	v, _ := a.sites.LoadOrStore(name, &siteActivity{})
	return v.(*siteActivity)
}

// seen notes a request for site at now (unix nanoseconds).
func (a *activity) seen(name string, now int64) *siteActivity {
	s := a.site(name)
	if sec := now / int64(time.Second); s.lastSeen.Load() != sec {
		s.lastSeen.Store(sec)
	}
	return s
}

// take returns the sites seen since the previous call, each with the time
// it was last seen, plus those in busy (or with a slow-path request open)
// as seen now.
func (a *activity) take(now time.Time, busy map[*siteActivity]bool) map[string]time.Time {
	a.mu.Lock()
	since := a.lastTake
	a.lastTake = now.Unix()
	a.mu.Unlock()
	out := map[string]time.Time{}
	a.sites.Range(func(k, v any) bool {
		s := v.(*siteActivity)
		switch {
		case s.open.Load() > 0 || busy[s]:
			out[k.(string)] = now
		case s.lastSeen.Load() >= since:
			// ">=": a request in the second of the previous take may have
			// come after it; reporting a site twice costs nothing.
			out[k.(string)] = time.Unix(s.lastSeen.Load(), 0)
		}
		return true
	})
	return out
}

// retain forgets sites no longer routed that have nothing open.
func (a *activity) retain(keep map[string]bool) {
	a.sites.Range(func(k, v any) bool {
		if !keep[k.(string)] && v.(*siteActivity).open.Load() == 0 {
			a.sites.Delete(k)
		}
		return true
	})
}

// TakeActivity returns the sites that had traffic since the previous call,
// each with when it was last seen, and those with a request still open (a
// websocket, a stream) as seen now. The router publishes it for the
// sleeper (sleep.PublishActivity). Health checks do not go through the
// proxy, so they never keep a site awake.
func (p *Proxy) TakeActivity() map[string]time.Time { return p.takeActivity(time.Now()) }

func (p *Proxy) takeActivity(now time.Time) map[string]time.Time {
	busy := map[*siteActivity]bool{}
	p.mu.Lock()
	for c := range p.conns {
		if s := c.active.Load(); s != nil {
			busy[s] = true
		}
	}
	p.mu.Unlock()
	return p.activity.take(now, busy)
}
