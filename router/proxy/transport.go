package proxy

import (
	"errors"
	"net"
	"net/http"
	"syscall"
	"time"
)

// balancer is the slow path's RoundTripper: the same instance choice,
// ejection and retry loop as the fast path (tryInstances), over a standard
// Transport (which also carries websocket upgrades).
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
	var resp *http.Response
	retries, err := b.p.tryInstances(slowRetry, sr.route, time.Now().UnixNano(), func(u *upstream, _ int64) outcome {
		req.URL.Host = u.addr
		sr.rec.upstream = u.addr
		var err error
		resp, err = slowTransport.RoundTrip(req)
		if err != nil {
			sr.rec.upstreamErr = true
		}
		return slowOutcome(req, err)
	})
	sr.rec.retries += retries
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// slowOutcome judges a failed RoundTrip. Only a failed dial is certain not
// to have sent anything; the Transport itself already retries idempotent
// requests on kept-alive connections that turn out closed. A failure
// caused by the client going away is not the instance's fault.
func slowOutcome(req *http.Request, err error) outcome {
	if err == nil {
		return outcome{}
	}
	var op *net.OpError
	dialFailed := errors.As(err, &op) && op.Op == "dial"
	return outcome{
		err:        err,
		blame:      dialFailed || !errors.Is(err, req.Context().Err()),
		refused:    errors.Is(err, syscall.ECONNREFUSED),
		replayable: dialFailed,
	}
}
