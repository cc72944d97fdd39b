package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync"
	"time"

	"github.com/hostctl/hostctl/internal/staticfile"
	"github.com/hostctl/hostctl/router/routes"
)

type routeKey struct{}

// Handler is the net/http side of the proxy: every request the fast path
// hands over, and all TLS traffic. secure says whether it serves HTTPS.
func (p *Proxy) Handler(secure bool) http.Handler {
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			// Rewrite (unlike Director) has already dropped any X-Forwarded-*
			// the client sent; these are the router's alone.
			pr.Out.URL.Scheme = "http"
			pr.Out.URL.Host = "upstream" // replaced per attempt by the transport
			pr.Out.Host = pr.In.Host
			pr.SetXForwarded()
			pr.Out.Header.Del("Forwarded")
			pr.Out.Header.Del("X-Real-Ip")
			dropUnderscoreNames(pr.Out.Header)
			dropUnderscoreNames(pr.Out.Trailer)
		},
		Transport:     &balancer{p: p},
		FlushInterval: -1, // stream responses as they come
		BufferPool:    bufferPool{},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, context.Canceled) {
				return // the client went away; nobody to answer
			}
			if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
				page(w, http.StatusRequestEntityTooLarge, "Request too large", "The request body is over the limit.")
				return
			}
			p.cfg.Log.Warn("upstream error", "host", r.Host, "err", err)
			page(w, http.StatusBadGateway, "Bad gateway", "The site did not answer.")
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w, status: 200}
		site := p.serveSlow(rec, r, rp, secure)
		if site != "" {
			p.observe(site, rec.status, time.Since(start), r.ContentLength, rec.bytes, rec.retries, rec.upstreamErr)
		}
		if p.access != nil {
			p.access.log(logEntry{start: start, site: site, host: []byte(r.Host), method: []byte(r.Method),
				uri: []byte(r.RequestURI), remote: remoteIP(r), status: rec.status, bytes: rec.bytes,
				upstream: rec.upstream, retries: rec.retries, dur: time.Since(start)})
		}
	})
}

func (p *Proxy) serveSlow(w *recorder, r *http.Request, rp *httputil.ReverseProxy, secure bool) string {
	route, ok := p.store.Load().Lookup(r.Host)
	if !ok {
		page(w, http.StatusNotFound, "No site here", fmt.Sprintf("No site is hosted at %q.", routes.NormalizeHost(r.Host)))
		return ""
	}
	if route.HTTPSOnly && !secure && p.cfg.HTTPSPort != "" {
		host := routes.NormalizeHost(r.Host)
		if route.RedirectTo != "" {
			host = route.RedirectTo
		}
		if p.cfg.HTTPSPort != "443" {
			host = net.JoinHostPort(host, p.cfg.HTTPSPort)
		}
		http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusPermanentRedirect)
		return route.Site
	}
	if route.RedirectTo != "" {
		redirect(w, r, route.RedirectTo, secure)
		return route.Site
	}
	if st, ok := route.StaticFor(r.URL.Path); ok {
		serveStatic(w, r, st)
		return route.Site
	}
	// Static files of the site's own code are served by its instances'
	// launchers (contract.StaticPortLabel), which only read.
	instanceStatic := route.InstanceStaticFor(r.URL.Path)
	if instanceStatic && !staticfile.ReadOnly(r.Method) {
		w.Header().Set("Allow", "GET, HEAD")
		page(w, http.StatusMethodNotAllowed, "Method not allowed", "Static files are read-only.")
		return route.Site
	}
	if r.ContentLength > p.cfg.MaxBodyBytes {
		page(w, http.StatusRequestEntityTooLarge, "Request too large", "The request body is over the limit.")
		return route.Site
	}
	// Open for as long as the request is (a websocket, a long response, a
	// wait for the site to wake): the site stays active meanwhile.
	act := p.activity.seen(route.Site, time.Now().UnixNano())
	act.open.Add(1)
	defer act.open.Add(-1)
	if len(route.Backends) == 0 {
		// Asleep or starting: wait for an instance to accept, or refuse.
		woken, ref := p.wakes.serve(r.Context(), route, routes.NormalizeHost(r.Host))
		if ref != nil {
			ref.write(w)
			return route.Site
		}
		route = woken
	}
	if instanceStatic {
		// Instances of a version without a static server (rendered before
		// instances served them) leave the request to gunicorn.
		if sr := route.StaticServers(); sr != nil {
			route = sr
		}
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, p.cfg.MaxBodyBytes)
	}
	rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), routeKey{}, slowRoute{route, w})))
	return route.Site
}

// dropUnderscoreNames removes header names with '_', as the fast path
// does (see request.parse): the application would read them as the
// headers the router sets.
func dropUnderscoreNames(h http.Header) {
	for k := range h {
		if strings.IndexByte(k, '_') >= 0 {
			delete(h, k)
		}
	}
}

type slowRoute struct {
	route *routes.Route
	rec   *recorder
}

// redirect sends the client to the same path on the site's primary host,
// keeping the scheme and any port it came in on.
func redirect(w http.ResponseWriter, r *http.Request, to string, secure bool) {
	scheme := "http"
	if secure {
		scheme = "https"
	}
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		to = net.JoinHostPort(to, port)
	}
	http.Redirect(w, r, scheme+"://"+to+r.URL.RequestURI(), http.StatusMovedPermanently)
}

func remoteIP(r *http.Request) string {
	h, _, _ := net.SplitHostPort(r.RemoteAddr)
	return h
}

// recorder notes what the handler answered, for metrics and the access log.
type recorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	retries     int
	upstream    string
	upstreamErr bool
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach Flush and Hijack (ReverseProxy
// needs them for streaming and websockets).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// bufferPool recycles ReverseProxy's copy buffers; without one it
// allocates 32 KiB per request.
type bufferPool struct{}

var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (bufferPool) Get() []byte  { return *copyBuffers.Get().(*[]byte) }
func (bufferPool) Put(b []byte) { copyBuffers.Put(&b) }
