// Package proxy forwards requests to the backend the route table names for
// their Host header. It reads the table through routes.Store, so it never
// waits on the source that feeds it.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"time"

	"github.com/hostctl/hostctl/router/routes"
)

type backendKey struct{}

// Handler is the router's request path.
type Handler struct {
	store *routes.Store
	rp    *httputil.ReverseProxy
	log   *slog.Logger
}

// New returns a Handler that routes with the tables published to store.
func New(store *routes.Store, log *slog.Logger) *Handler {
	h := &Handler{store: store, log: log}
	h.rp = &httputil.ReverseProxy{
		Rewrite:      rewrite,
		Transport:    newTransport(),
		ErrorHandler: h.upstreamError,
		// Stream responses (server-sent events, large downloads) as they come.
		FlushInterval: -1,
	}
	return h
}

func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil, // never send site traffic through an env-configured proxy
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// rewrite points the request at the chosen backend. Rewrite (unlike the
// older Director) has already dropped any X-Forwarded-* the client sent, so
// what the site sees was set by the router alone.
func rewrite(pr *httputil.ProxyRequest) {
	b := pr.In.Context().Value(backendKey{}).(routes.Backend)
	pr.Out.URL.Scheme = "http"
	pr.Out.URL.Host = b.Addr
	pr.Out.Host = pr.In.Host
	pr.SetXForwarded()
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route, ok := h.store.Load().Lookup(r.Host)
	if !ok {
		page(w, http.StatusNotFound, "No site here",
			fmt.Sprintf("No site is hosted at %q.", routes.NormalizeHost(r.Host)))
		return
	}
	if route.RedirectTo != "" {
		redirect(w, r, route.RedirectTo)
		return
	}
	b, ok := route.Next()
	if !ok {
		w.Header().Set("Retry-After", "5")
		page(w, http.StatusServiceUnavailable, "Site unavailable",
			fmt.Sprintf("Site %q has no healthy instance right now.", route.Site))
		return
	}
	h.rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), backendKey{}, b)))
}

// redirect sends the client to the same path on the site's primary host,
// keeping the scheme and any port it came in on.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		to = net.JoinHostPort(to, port)
	}
	http.Redirect(w, r, scheme+"://"+to+r.URL.RequestURI(), http.StatusMovedPermanently)
}

func (h *Handler) upstreamError(w http.ResponseWriter, r *http.Request, err error) {
	b, _ := r.Context().Value(backendKey{}).(routes.Backend)
	if errors.Is(err, context.Canceled) {
		// The client went away; there is nobody to answer.
		return
	}
	h.log.Warn("upstream error", "host", r.Host, "backend", b.ID, "addr", b.Addr, "err", err)
	page(w, http.StatusBadGateway, "Bad gateway", "The site did not answer.")
}

// page writes the router's own small HTML error pages. Everything taken from
// the request is escaped: the Host header is attacker-controlled.
func page(w http.ResponseWriter, status int, title, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html><title>%d %s</title><h1>%s</h1><p>%s</p>\n",
		status, html.EscapeString(title), html.EscapeString(title), html.EscapeString(msg))
}
