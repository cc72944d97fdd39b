package proxy

import (
	"sync"
	"time"
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
