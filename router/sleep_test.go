package router

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	consul "github.com/hashicorp/consul/api"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/router/internal/consultest"
	"github.com/hostctl/hostctl/router/proxy"
	"github.com/hostctl/hostctl/router/routes"
)

func TestNewSleeping(t *testing.T) {
	token := filepath.Join(t.TempDir(), "nomad-token")
	if err := os.WriteFile(token, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	cases := []struct {
		name       string
		env        string // NOMAD_ADDR
		cfg        SleepConfig
		wantErr    string
		wantWaker  bool
		wantID     string
		wantSecret string
	}{
		{name: "no Nomad: routes, cannot wake", wantID: host + "-127.0.0.1:8080"},
		{name: "Nomad from the environment", env: "http://127.0.0.1:4646", wantWaker: true, wantID: host + "-127.0.0.1:8080"},
		{name: "Nomad address and token file", cfg: SleepConfig{NomadAddr: "http://n:4646", NomadTokenFile: token, RouterID: "r1"},
			wantWaker: true, wantID: "r1", wantSecret: "s3cret"},
		{name: "missing token file", cfg: SleepConfig{NomadAddr: "http://n:4646", NomadTokenFile: token + ".none"}, wantErr: "nomad token"},
		{name: "sleeper without Nomad", cfg: SleepConfig{Sleeper: true}, wantErr: "needs Nomad"},
		{name: "router id with a slash", cfg: SleepConfig{RouterID: "a/b"}, wantErr: "without '/'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("NOMAD_ADDR", c.env)
			t.Setenv("NOMAD_TOKEN", "")
			s, err := newSleeping(c.cfg, "127.0.0.1:8080", nil, slog.New(slog.DiscardHandler))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (s.waker() != nil) != c.wantWaker || s.cfg.RouterID != c.wantID || s.cfg.ActivityInterval != 5*time.Second {
				t.Errorf("waker %v, id %q, interval %s", s.waker() != nil, s.cfg.RouterID, s.cfg.ActivityInterval)
			}
			if c.wantSecret != "" {
				nc, _ := nomadConfig(c.cfg.NomadAddr, c.cfg.NomadTokenFile)
				if nc.SecretID != c.wantSecret {
					t.Errorf("nomad token %q", nc.SecretID)
				}
			}
		})
	}
}

// The proxy's activity reaches Consul's KV where the Sleeper reads it,
// and a router that stops publishes what it saw last.
func TestActivityReachesConsul(t *testing.T) {
	a := consultest.Start(t)
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	t.Cleanup(be.Close)
	store := routes.NewStore()
	tbl, _ := routes.Build([]routes.Site{{Name: "busy", Domains: []string{"busy.test"},
		Backends: []routes.Backend{{ID: "b", Addr: strings.TrimPrefix(be.URL, "http://")}}}}, nil)
	store.Publish(tbl)
	px := proxy.New(store, proxy.Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = px.Serve(ln) }()
	t.Cleanup(func() { ln.Close() })

	s, err := newSleeping(SleepConfig{RouterID: "r1", ActivityInterval: time.Hour}, "", a.Client, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.run(ctx, px); close(done) }()

	req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/", nil)
	req.Host = "busy.test"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel() // the interval is an hour: only the final publish can write it
	<-done
	kv, _, err := a.Client.KV().Get(contract.ActivityPrefix+"busy/r1", nil)
	if err != nil || kv == nil {
		t.Fatalf("activity key: %v %v", kv, err)
	}
}

// A router whose Nomad token comes from Consul cannot wake before the
// bootstrap has put it there, and uses it once it is.
func TestNomadTokenFromConsul(t *testing.T) {
	a := consultest.Start(t)
	seen := make(chan string, 16)
	fakeNomad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Get("X-Nomad-Token")
		http.Error(w, "job not found", http.StatusNotFound)
	}))
	t.Cleanup(fakeNomad.Close)
	t.Setenv("NOMAD_TOKEN", "")
	if _, err := newSleeping(SleepConfig{NomadAddr: fakeNomad.URL, NomadTokenFile: "/x", NomadTokenFromConsul: true}, "r", a.Client, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("a token file and a token from Consul were both accepted")
	}
	s, err := newSleeping(SleepConfig{NomadAddr: fakeNomad.URL, NomadTokenFromConsul: true}, "r", a.Client, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	w := s.waker()
	if w == nil {
		t.Fatal("no waker")
	}
	if _, err := w.Wake(context.Background(), "site"); err == nil || !strings.Contains(err.Error(), "no Nomad token yet") {
		t.Errorf("wake before the token: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan bool, 1)
	go func() { got <- s.tokenFromConsul(ctx) }()
	time.Sleep(200 * time.Millisecond)
	if _, err := a.Client.KV().Put(&consul.KVPair{Key: contract.RouterNomadTokenKey, Value: []byte("router-secret\n")}, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case ok := <-got:
		if !ok {
			t.Fatal("tokenFromConsul gave up")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the token in Consul was not picked up")
	}
	_, _ = w.Wake(context.Background(), "site")
	if tok := <-seen; tok != "router-secret" {
		t.Errorf("Nomad saw token %q", tok)
	}
}
