// Package router runs hostctl's front door: it watches Consul for hostctl
// sites, keeps a route table, and proxies requests by Host header to
// healthy instances. Its own status lives on a separate admin listener so
// no site path (every site may have a /healthz) is ever shadowed.
package router

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	consul "github.com/hashicorp/consul/api"

	"github.com/hostctl/hostctl/router/consulwatch"
	"github.com/hostctl/hostctl/router/proxy"
	"github.com/hostctl/hostctl/router/routes"
)

// Config is what `hostctl router run` takes.
type Config struct {
	Listen      string // site traffic
	AdminListen string // /healthz
	ConsulAddr  string
	Log         *slog.Logger
}

// Run serves until ctx ends, then drains in-flight requests.
func Run(ctx context.Context, cfg Config) error {
	log := cfg.Log
	cc, err := consul.NewClient(&consul.Config{Address: cfg.ConsulAddr, Scheme: "http"})
	if err != nil {
		return err
	}
	store := routes.NewStore()
	st := &state{}
	w := &consulwatch.Watcher{
		Client: cc,
		Log:    log,
		Settle: 20 * time.Millisecond,
		Health: st.consulResult,
		Publish: func(sites []routes.Site) {
			tbl, errs := routes.Build(sites)
			for _, e := range errs {
				log.Warn("route conflict", "err", e)
			}
			store.Publish(tbl)
			st.published(tbl.Sites())
			log.Info("route table published", "sites", tbl.Sites())
		},
	}
	site := &http.Server{
		Handler:           proxy.New(store, log),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	admin := &http.Server{Handler: st.adminMux(), ReadHeaderTimeout: 5 * time.Second}

	siteLn, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	adminLn, err := net.Listen("tcp", cfg.AdminListen)
	if err != nil {
		siteLn.Close()
		return err
	}
	log.Info("router listening", "sites", siteLn.Addr().String(), "admin", adminLn.Addr().String(), "consul", cfg.ConsulAddr)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 3)
	go func() { errc <- w.Run(ctx) }()
	go func() { errc <- site.Serve(siteLn) }()
	go func() { errc <- admin.Serve(adminLn) }()

	select {
	case <-ctx.Done():
	case err = <-errc:
		log.Error("router component stopped", "err", err)
	}
	shutdownCtx, done := context.WithTimeout(context.Background(), 15*time.Second)
	defer done()
	// Stop accepting, let in-flight requests finish, then close.
	serr := errors.Join(site.Shutdown(shutdownCtx), admin.Shutdown(shutdownCtx))
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return serr
}

// state is what /healthz reports: whether a table has been built at all,
// and whether Consul is answering now.
type state struct {
	mu        sync.Mutex
	sites     int
	synced    time.Time
	consulErr error
	errSince  time.Time
}

func (s *state) published(n int) {
	s.mu.Lock()
	s.sites, s.synced = n, time.Now()
	s.mu.Unlock()
}

func (s *state) consulResult(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		s.consulErr = nil
		return
	}
	if s.consulErr == nil {
		s.errSince = time.Now()
	}
	s.consulErr = err
}

type health struct {
	Status      string    `json:"status"`
	Sites       int       `json:"sites"`
	PublishedAt time.Time `json:"published_at,omitzero"`
	Consul      string    `json:"consul"`
}

func (s *state) adminMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		h := health{Status: "ok", Sites: s.sites, PublishedAt: s.synced, Consul: "ok"}
		code := http.StatusOK
		if s.consulErr != nil {
			// Still 200 once a table exists: the router is serving, just
			// from a table that may be stale.
			h.Status = "degraded"
			h.Consul = "unreachable since " + s.errSince.Format(time.RFC3339) + ": " + s.consulErr.Error()
		}
		if s.synced.IsZero() {
			h.Status, code = "starting", http.StatusServiceUnavailable
		}
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(h)
	})
	return mux
}
