package router

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

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
