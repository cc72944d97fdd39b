package proxy

import (
	"time"

	"github.com/hostctl/hostctl/router/routes"
)

// maxAttempts bounds the attempts one request makes, so a site that is
// down answers 502 after a few tries instead of multiplying its load.
const maxAttempts = 3

// retryPolicy is where the two paths' retry rules differ. Everything else
// (which instance next, ejection, when to give up) is tryInstances.
type retryPolicy struct {
	attempts int // at most maxAttempts
	// soleAttempts bounds the attempts when the site has one instance:
	// every retry then goes to that same instance.
	soleAttempts int
}

var (
	// The fast path also retries a request whose head a reused
	// connection refused to take, which another connection to the same
	// instance can cure, so a lone instance gets every attempt.
	fastRetry = retryPolicy{attempts: maxAttempts, soleAttempts: maxAttempts}
	// The slow path retries only failed dials (the Transport already
	// retries stale connections itself): one redial of a lone instance.
	slowRetry = retryPolicy{attempts: maxAttempts, soleAttempts: 2}
)

// outcome is how a path judges one failed attempt; only the path knows
// how far the request got.
type outcome struct {
	err error
	// blame: the instance, not the client, failed; it counts toward
	// ejection.
	blame bool
	// refused: the instance refused the connection, so its port is dead
	// and one failure is enough to eject it.
	refused bool
	// replayable: the application cannot have acted on the request, or may
	// safely see it again, and nothing reached the client, so another
	// instance may get it.
	replayable bool
}

// tryInstances runs one request's attempts: each on an instance the
// selector picks (skipping those already tried), recording success and
// failure for passive ejection, and moving on only while the failure is
// replayable and the policy allows another attempt. now is the time of
// the first attempt. It returns how many retries it made and the last
// error, nil if an attempt succeeded.
func (p *Proxy) tryInstances(pol retryPolicy, route *routes.Route, now int64,
	try func(u *upstream, now int64) outcome) (retries int, err error) {
	limit := pol.attempts
	if len(route.Backends) == 1 {
		limit = pol.soleAttempts
	}
	limit = min(limit, maxAttempts)
	in := Instances{backends: route.Backends, us: &p.upstreams}
	for attempt := 0; ; attempt++ {
		in.now = now
		u := p.pick(in)
		in.tried[attempt], in.ntried = u, attempt+1
		u.inflight.Add(1)
		o := try(u, now)
		u.inflight.Add(-1)
		if o.err == nil {
			u.succeeded()
			return attempt, nil
		}
		if o.blame && u.failed(now, o.refused) {
			p.cfg.Metrics.Ejections.Inc()
		}
		if !o.replayable || attempt+1 >= limit {
			return attempt, o.err
		}
		p.cfg.Log.Info("retrying on another instance", "site", route.Site, "backend", u.addr, "err", o.err)
		now = time.Now().UnixNano()
	}
}
