package proxy

import (
	"errors"
	"net"
	"net/http"
	"syscall"
	"time"
)

// balancer is the slow path's RoundTripper: the same instance choice,
// ejection and retry rules as the fast path, over a standard Transport
// (which also carries websocket upgrades).
type balancer struct {
	p *Proxy
}

var slowTransport = &http.Transport{
	Proxy:                 nil, // never send site traffic through an env-configured proxy
	DialContext:           (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext,
	MaxIdleConns:          4096,
	MaxIdleConnsPerHost:   64,
	IdleConnTimeout:       time.Second, // under gunicorn's 2 s keep-alive
	ExpectContinueTimeout: time.Second,
	ResponseHeaderTimeout: 60 * time.Second,
}

func (b *balancer) RoundTrip(req *http.Request) (*http.Response, error) {
	sr := req.Context().Value(routeKey{}).(slowRoute)
	var tried [maxAttempts]*upstream
	var err error
	for attempt := range maxAttempts {
		now := time.Now().UnixNano()
		u := b.p.upstreams.pick(sr.route.Backends, now, tried[:attempt])
		tried[attempt] = u
		req.URL.Host = u.addr
		sr.rec.upstream = u.addr
		u.inflight.Add(1)
		var resp *http.Response
		resp, err = slowTransport.RoundTrip(req)
		u.inflight.Add(-1)
		if err == nil {
			u.succeeded()
			return resp, nil
		}
		var op *net.OpError
		dialFailed := errors.As(err, &op) && op.Op == "dial"
		if dialFailed || !errors.Is(err, req.Context().Err()) {
			if u.failed(now, errors.Is(err, syscall.ECONNREFUSED)) {
				b.p.cfg.Metrics.Ejections.Inc()
			}
		}
		sr.rec.upstreamErr = true
		// Only a failed dial is certain not to have sent anything; the
		// Transport itself already retries idempotent requests on
		// kept-alive connections that turn out closed.
		if !dialFailed || attempt == maxAttempts-1 || len(sr.route.Backends) == 1 && attempt > 0 {
			break
		}
		b.p.cfg.Log.Info("retrying on another instance", "site", sr.route.Site, "backend", u.addr, "err", err)
		sr.rec.retries++
	}
	return nil, err
}
