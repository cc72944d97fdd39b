package proxy

import (
	"errors"
	"time"

	"github.com/hostctl/hostctl/router/routes"
)

// serveRequest forwards the parsed request whose head is n bytes long.
// keep says whether the connection may carry another request; handoff
// that net/http should answer this one instead.
func (cc *clientConn) serveRequest(n int, now int64) (keep, handoff bool) {
	route, ok := cc.fastRoute()
	if !ok {
		return false, true
	}
	start := time.Unix(0, now)
	cc.active.Store(cc.p.activity.seen(route.Site, now))
	_, _ = cc.br.Discard(n)
	ex := exchange{cc: cc, route: route}
	var err error
	ex.retries, err = cc.p.tryInstances(fastRetry, route, now, ex.attempt)
	keep = ex.finish(err)
	ex.record(start, err)
	cc.active.Store(nil)
	return keep, false
}

// fastRoute returns the request's route if the fast path can serve it.
// Unknown hosts, redirects, static files, sites without an instance and
// bodies over the limit all need an answer the fast path does not write;
// net/http writes those.
func (cc *clientConn) fastRoute() (*routes.Route, bool) {
	r := &cc.req
	route, ok := cc.p.store.Load().LookupBytes(r.host)
	if !ok || route.RedirectTo != "" || len(route.Backends) == 0 || route.HTTPSOnly && cc.p.cfg.HTTPSPort != "" ||
		r.contentLength > cc.p.cfg.MaxBodyBytes || (len(route.Static) > 0 || len(route.InstanceStatic) > 0) && cc.staticPath(route) {
		return nil, false
	}
	return route, true
}

// staticPath reports whether the request path falls under a static
// prefix, served by the router or by the instances' static servers; both
// go through net/http.
func (cc *clientConn) staticPath(route *routes.Route) bool {
	t := string(cc.req.head[cc.req.target.start:cc.req.target.end])
	_, ok := route.StaticFor(t)
	return ok || route.InstanceStaticFor(t)
}

// exchange is one request's trip to the upstreams, across retries.
type exchange struct {
	cc    *clientConn
	route *routes.Route
	addr  string

	bodySent      int64 // request body bytes consumed from the client
	bytesIn       int64
	bytesOut      int64
	status        int
	retries       int
	wroteHead     bool // response bytes reached the client: no retry, no error page
	holdFlush     bool // the whole body fits the client buffer: do not flush mid-body
	retryable     bool // the failed attempt cannot have reached the application
	upstreamFault bool
	clientFault   bool
	closeClient   bool
}

func (ex *exchange) bodyDone() bool { return ex.bodySent == ex.cc.req.contentLength }

// attempt is tryInstances' view of do: the exchange has tracked, as the
// attempt went, how far the request got and whose fault a failure was.
func (ex *exchange) attempt(u *upstream, now int64) outcome {
	err := ex.do(u, now)
	if err == nil {
		return outcome{}
	}
	var de *dialError
	return outcome{err: err, blame: ex.upstreamFault, refused: errors.As(err, &de) && de.refused(), replayable: ex.retryable}
}

// do makes one attempt on u.
func (ex *exchange) do(u *upstream, now int64) error {
	ex.addr, ex.retryable, ex.upstreamFault, ex.clientFault = u.addr, false, true, false
	uc, err := u.get(now)
	if err != nil {
		// Nothing was sent; any request may go elsewhere, body or not, as
		// long as none of the body has been read yet.
		ex.retryable = ex.bodySent == 0
		return err
	}
	reusable := false
	defer func() {
		if reusable {
			u.put(uc, time.Now().UnixNano())
		} else {
			uc.c.Close()
		}
	}()
	if err := ex.sendRequest(uc, now); err != nil {
		return err
	}
	cc, r, resp := ex.cc, &ex.cc.req, &ex.cc.resp
	startOut, startBuffered := ex.bytesOut, cc.bw.Buffered()
	if err := ex.relayResponseHead(uc, now); err != nil {
		return err
	}
	if !resp.bodyless(r.isHead) {
		// A body that fits the client's write buffer is sent whole or not
		// at all: if the instance dies mid-body, the request can still go
		// elsewhere. Longer and chunked bodies stream (see fill).
		ex.holdFlush = !resp.chunked && resp.contentLength >= 0 && resp.contentLength <= int64(cc.bw.Available())
		if err := ex.relayBody(uc, resp); err != nil {
			ex.takeBack(startOut, startBuffered)
			return err
		}
	}
	// Only a response read to its end leaves the connection at the start
	// of the next one.
	reusable = !resp.close && uc.br.Buffered() == 0
	if err := cc.bw.Flush(); err != nil {
		ex.upstreamFault, ex.clientFault = false, true
		return err
	}
	return nil
}

// finish answers 502 when every attempt failed, unless part of a response
// already reached the client (a page now would corrupt it) or the client
// itself failed (nobody to answer). It reports whether the connection may
// carry another request.
func (ex *exchange) finish(err error) (keep bool) {
	cc, r := ex.cc, &ex.cc.req
	keep = err == nil && !r.close && !ex.closeClient && !cc.p.draining.Load()
	if err != nil && !ex.wroteHead && !ex.clientFault {
		ex.status = 502
		ex.bytesOut = writePage(cc.bw, 502, "Bad gateway", "The site did not answer.", r.isHead)
		_ = cc.bw.Flush()
		// An unread request body would be taken for the next request.
		keep = !r.close && !cc.p.draining.Load() && ex.bodyDone()
	}
	return keep
}

// record logs a failure and accounts the request in the metrics and the
// access log.
func (ex *exchange) record(start time.Time, err error) {
	cc, r, site := ex.cc, &ex.cc.req, ex.route.Site
	if err != nil {
		cc.p.cfg.Log.Warn("upstream error", "site", site, "host", string(r.host), "backend", ex.addr, "err", err)
	}
	cc.p.observe(site, ex.status, time.Since(start), ex.bytesIn, ex.bytesOut, ex.retries, err != nil && !ex.clientFault)
	if cc.p.access != nil {
		cc.p.access.log(logEntry{start: start, site: site, host: r.host, method: r.head[r.method.start:r.method.end],
			uri: r.head[r.target.start:r.target.end], remote: cc.remote, status: ex.status, bytes: ex.bytesOut,
			upstream: ex.addr, retries: ex.retries, dur: time.Since(start)})
	}
}
