package proxy

import "github.com/hostctl/hostctl/router/routes"

// Selector chooses which of a site's instances an attempt goes to. It lives
// here rather than in routes because what it weighs (requests in flight,
// passive ejection, what this request already tried) is the proxy's live
// state; routes only knows the table. Both paths and every retry go through
// it, so one implementation decides the whole balancing policy.
//
// Pick is called on every attempt, concurrently, and returns one of in's
// instances (from in.At); in.Len() is never 0. Returning the Instance
// rather than its index saves looking the backend up again.
type Selector interface {
	Pick(in Instances) Instance
}

// Instances is the view of one route's backends a Selector picks from. It
// is a value that reads the live state lazily, per index, so a selector
// that looks at two instances does not pay for scanning all of them.
type Instances struct {
	backends []routes.Backend
	us       *upstreams
	now      int64
	// An array, not a slice: a slice's backing store would escape to the
	// heap through the interface call, one allocation per request.
	tried  [maxAttempts]*upstream
	ntried int
}

// Instance is one backend as the proxy sees it at the moment of the pick.
type Instance struct {
	Backend  routes.Backend
	Inflight int64 // requests it is serving now
	Ejected  bool  // out of rotation after connection failures
	Tried    bool  // this request already failed on it

	u *upstream
}

// Usable reports whether the instance is worth an attempt while any such
// instance remains.
func (i Instance) Usable() bool { return !i.Ejected && !i.Tried }

// Len is the number of backends.
func (in *Instances) Len() int { return len(in.backends) }

// At returns backend i with its current state.
func (in *Instances) At(i int) Instance {
	u := in.us.get(in.backends[i].Addr)
	return Instance{Backend: in.backends[i], Inflight: u.inflight.Load(), Ejected: !u.available(in.now),
		Tried: contains(in.tried[:in.ntried], u), u: u}
}

// pick asks the configured selector for an instance. An Instance not made
// by At is a selector bug; it falls back to the first backend rather than
// panic in a connection's goroutine and take the router down.
func (p *Proxy) pick(in Instances) *upstream {
	if u := p.cfg.Selector.Pick(in).u; u != nil {
		return u
	}
	return in.At(0).u
}

func contains(s []*upstream, u *upstream) bool {
	for _, x := range s {
		if x == u {
			return true
		}
	}
	return false
}
