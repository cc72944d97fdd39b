package proxy

import (
	"math/rand/v2"
	"sync"
	"time"

	"github.com/hostctl/hostctl/router/routes"
)

// upstreams holds one upstream per backend address for as long as a table
// routes to it. Lookups are lock-free (sync.Map suits this read-mostly
// map); a sweep after each table swap drops the ones no table names.
type upstreams struct{ m sync.Map }

func (us *upstreams) get(addr string) *upstream {
	if u, ok := us.m.Load(addr); ok {
		return u.(*upstream)
	}
	u, _ := us.m.LoadOrStore(addr, &upstream{addr: addr})
	return u.(*upstream)
}

// retain drops upstreams whose address is not in keep and that have no
// request in flight, closing their idle connections.
func (us *upstreams) retain(keep map[string]bool) {
	us.m.Range(func(k, v any) bool {
		u := v.(*upstream)
		if !keep[k.(string)] && u.inflight.Load() == 0 {
			us.m.Delete(k)
			u.closeIdle(1 << 62)
		}
		return true
	})
}

// sweep closes connections idle too long.
func (us *upstreams) sweep(now time.Time) {
	before := now.Add(-idleTimeout).UnixNano()
	us.m.Range(func(_, v any) bool {
		v.(*upstream).closeIdle(before)
		return true
	})
}

// pick chooses a backend by the power of two choices on outstanding
// requests: two at random, the less busy wins. It is nearly as good as
// least-outstanding over all backends, without scanning them, and it does
// not herd every router onto the same idle instance. Ejected instances are
// skipped while any other is available; if every one is ejected, the less
// busy of two is tried anyway, since refusing is certain failure. tried
// holds instances that already failed this request.
func (us *upstreams) pick(backends []routes.Backend, now int64, tried []*upstream) *upstream {
	n := len(backends)
	switch n {
	case 0:
		return nil
	case 1:
		return us.get(backends[0].Addr)
	}
	i := rand.IntN(n)
	j := rand.IntN(n - 1)
	if j >= i {
		j++
	}
	a, b := us.get(backends[i].Addr), us.get(backends[j].Addr)
	okA, okB := a.available(now) && !contains(tried, a), b.available(now) && !contains(tried, b)
	switch {
	case okA && okB:
		if b.inflight.Load() < a.inflight.Load() {
			return b
		}
		return a
	case okA:
		return a
	case okB:
		return b
	}
	// Both drawn are out: look for any instance still usable.
	off := rand.IntN(n)
	for k := range n {
		u := us.get(backends[(off+k)%n].Addr)
		if u.available(now) && !contains(tried, u) {
			return u
		}
	}
	for k := range n {
		u := us.get(backends[(off+k)%n].Addr)
		if !contains(tried, u) {
			return u
		}
	}
	return a
}

func contains(s []*upstream, u *upstream) bool {
	for _, x := range s {
		if x == u {
			return true
		}
	}
	return false
}
