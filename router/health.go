package router

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/pprof"
	"os"
	"strings"
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

// health is all /healthz says, and it stays open without the admin token:
// so it must carry nothing about any site (no names, hosts or addresses),
// only whether the router is serving and from how fresh a table.
type health struct {
	Status      string    `json:"status"`
	Sites       int       `json:"sites"`
	PublishedAt time.Time `json:"published_at,omitzero"`
	Consul      string    `json:"consul"`
}

// adminMux serves /healthz to anyone, and /metrics (every site's traffic
// by name) and, when pprof is on, the profiles (heap contents included)
// only with the admin token when one is set: sites run on the same node
// as the admin listener.
func (s *state) adminMux(metrics http.Handler, token string, pprofOn bool) *http.ServeMux {
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
	mux.Handle("GET /metrics", requireToken(token, metrics))
	if pprofOn {
		// How the proxy's hot path was found, and how to find the next one.
		mux.Handle("GET /debug/pprof/", requireToken(token, http.HandlerFunc(pprof.Index)))
		mux.Handle("GET /debug/pprof/profile", requireToken(token, http.HandlerFunc(pprof.Profile)))
	}
	return mux
}

// requireToken answers 401 unless the request carries the bearer token;
// an empty token lets everything through.
func requireToken(token string, h http.Handler) http.Handler {
	if token == "" {
		return h
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Constant time: a comparison that stops at the first wrong byte
		// would let a site on the node find the token byte by byte.
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="hostctl-router"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// ReadAdminToken reads the admin token from file ("" for none). A file
// every user can read would hand the token to the sites it keeps out.
func ReadAdminToken(file string) (string, error) {
	if file == "" {
		return "", nil
	}
	fi, err := os.Stat(file)
	if err != nil {
		return "", err
	}
	if fi.Mode().Perm()&0o004 != 0 {
		return "", fmt.Errorf("admin token file %s is readable by every user; chmod o-r it", file)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	token := strings.TrimSpace(string(b))
	if token == "" {
		return "", fmt.Errorf("admin token file %s is empty", file)
	}
	return token, nil
}
