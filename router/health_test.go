package router

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hostctl/hostctl/router/routes"
)

// fakeMetrics stands for the Prometheus handler: what it serves names
// sites, which is why it is guarded.
var fakeMetrics = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	io.WriteString(w, `hostctl_router_requests_total{site="victim",code="200"} 1`+"\n")
})

func get(t *testing.T, h http.Handler, path, auth string) (int, string) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// TestPprofIsOffByDefault asks for profiles (heap contents, every
// goroutine's stack) as any process on the node could.
func TestPprofIsOffByDefault(t *testing.T) {
	for _, on := range []bool{false, true} {
		st := &state{}
		mux := st.adminMux(fakeMetrics, "", on)
		for _, path := range []string{"/debug/pprof/", "/debug/pprof/goroutine?debug=1", "/debug/pprof/heap"} {
			code, _ := get(t, mux, path, "")
			if on && code != http.StatusOK || !on && code != http.StatusNotFound {
				t.Errorf("pprof %v: GET %s = %d", on, path, code)
			}
		}
	}
}

// TestAdminTokenGuardsMetricsAndPprof reads every site's metrics and the
// profiles without the token, with wrong ones, and with the right one.
func TestAdminTokenGuardsMetricsAndPprof(t *testing.T) {
	const token = "s3cret-token"
	st := &state{}
	st.published(3)
	mux := st.adminMux(fakeMetrics, token, true)
	cases := []struct {
		name, path, auth string
		code             int
	}{
		{"metrics without a token", "/metrics", "", 401},
		{"metrics with a wrong token", "/metrics", "Bearer nope", 401},
		{"metrics with a token prefix", "/metrics", "Bearer s3cret", 401},
		{"metrics with a longer token", "/metrics", "Bearer " + token + "x", 401},
		{"metrics with the token as Basic", "/metrics", "Basic " + token, 401},
		{"metrics with the bare token", "/metrics", token, 401},
		{"metrics with the token", "/metrics", "Bearer " + token, 200},
		{"pprof index without a token", "/debug/pprof/", "", 401},
		{"pprof heap without a token", "/debug/pprof/heap", "", 401},
		{"cpu profile without a token", "/debug/pprof/profile?seconds=1", "", 401},
		{"pprof with the token", "/debug/pprof/", "Bearer " + token, 200},
		{"healthz without a token", "/healthz", "", 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body := get(t, mux, c.path, c.auth)
			if code != c.code {
				t.Fatalf("GET %s = %d, want %d", c.path, code, c.code)
			}
			if code == 401 && (strings.Contains(body, "victim") || strings.Contains(body, "goroutine")) {
				t.Errorf("401 leaked the content: %q", body)
			}
		})
	}
	if _, body := get(t, mux, "/metrics", "Bearer "+token); !strings.Contains(body, "victim") {
		t.Errorf("metrics with the token: %q", body)
	}
}

// TestHealthzCarriesNoSiteData: /healthz is open to every process on the
// node, so it says how the router is, never anything about a site. A new
// field must be added here on purpose.
func TestHealthzCarriesNoSiteData(t *testing.T) {
	st := &state{}
	mux := st.adminMux(fakeMetrics, "token", false)
	if code, _ := get(t, mux, "/healthz", ""); code != http.StatusServiceUnavailable {
		t.Errorf("before the first table: %d, want 503", code)
	}
	st.published(2)
	st.consulResult(errors.New("connection refused"))
	code, body := get(t, mux, "/healthz", "")
	if code != 200 {
		t.Fatalf("healthz: %d", code)
	}
	var h map[string]any
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"consul", "published_at", "sites", "status"}; !slices.Equal(keys, want) {
		t.Errorf("healthz fields %v, want only %v", keys, want)
	}
	if h["status"] != "degraded" || h["sites"] != 2.0 || !strings.Contains(h["consul"].(string), "connection refused") {
		t.Errorf("healthz = %v", h)
	}
}

func TestConsulConfigHonoursEnvironment(t *testing.T) {
	t.Setenv("CONSUL_HTTP_ADDR", "env.example:8500")
	t.Setenv("CONSUL_HTTP_TOKEN", "tok")
	t.Setenv("CONSUL_HTTP_SSL", "true")
	t.Setenv("CONSUL_CACERT", "/etc/consul/ca.pem")
	cases := []struct{ flag, addr string }{{"", "env.example:8500"}, {"flag.example:8501", "flag.example:8501"}}
	for _, c := range cases {
		t.Run(c.addr, func(t *testing.T) {
			cfg := consulConfig(c.flag)
			if cfg.Address != c.addr || cfg.Token != "tok" || cfg.Scheme != "https" || cfg.TLSConfig.CAFile != "/etc/consul/ca.pem" {
				t.Errorf("address %q token %q scheme %q CA %q", cfg.Address, cfg.Token, cfg.Scheme, cfg.TLSConfig.CAFile)
			}
		})
	}
}

// TestConsulTokenFileReachesConsul: production gives the router its token
// as CONSUL_HTTP_TOKEN_FILE (systemd LoadCredential); the router's client
// must send it on every request, whether the address comes from the
// environment or the flag. A stand-in Consul records the header.
func TestConsulTokenFileReachesConsul(t *testing.T) {
	var mu sync.Mutex
	var got []string
	consulSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, r.Header.Get("X-Consul-Token"))
		io.WriteString(w, `"127.0.0.1:8300"`)
	}))
	defer consulSrv.Close()
	addr := strings.TrimPrefix(consulSrv.URL, "http://")
	tokenFile := filepath.Join(t.TempDir(), "consul-token")
	if err := os.WriteFile(tokenFile, []byte("file-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, envAddr, flag, envToken string
	}{
		{"address from the environment", addr, "", ""},
		{"address from the flag", "unreachable.invalid:8500", addr, ""},
		{"the file wins over CONSUL_HTTP_TOKEN", addr, "", "env-token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("CONSUL_HTTP_ADDR", c.envAddr)
			t.Setenv("CONSUL_HTTP_TOKEN", c.envToken)
			t.Setenv("CONSUL_HTTP_TOKEN_FILE", tokenFile)
			mu.Lock()
			got = nil
			mu.Unlock()
			cc, _, err := consulClient(c.flag)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cc.Status().Leader(); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(got) != 1 || got[0] != "file-token" {
				t.Errorf("X-Consul-Token %q, want the file's", got)
			}
		})
	}
}

// TestStaticConfinerLogsOncePerChange: a refused dir is logged when it
// appears, not on every rebuild the rest of the cluster causes.
func TestStaticConfinerLogsOncePerChange(t *testing.T) {
	var buf bytes.Buffer
	c := &staticConfiner{roots: []string{"/srv/code"}, log: slog.New(slog.NewTextHandler(&buf, nil))}
	good := routes.Static{Prefix: "/static/", Dir: "/srv/code/a/static"}
	bad := routes.Static{Prefix: "/etc/", Dir: "/etc"}
	worse := routes.Static{Prefix: "/other/", Dir: "/srv/code/b"}
	steps := []struct {
		static []routes.Static
		logs   int
	}{
		{[]routes.Static{good, bad}, 1},
		{[]routes.Static{good, bad}, 0},
		{[]routes.Static{good, bad, worse}, 1},
		{[]routes.Static{good}, 0},
		{[]routes.Static{good, bad}, 1},
	}
	for i, s := range steps {
		buf.Reset()
		out := c.confine([]routes.Site{{Name: "a", Static: s.static}})
		if n := strings.Count(buf.String(), "static dir refused"); n != s.logs {
			t.Errorf("step %d: %d log lines, want %d:\n%s", i, n, s.logs, buf.String())
		}
		if len(out) != 1 || len(out[0].Static) != 1 || out[0].Static[0].Base != "a" {
			t.Errorf("step %d: %+v", i, out)
		}
	}
}

func TestReadAdminToken(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, content string
		mode          os.FileMode
		want          string // "" with ok false: refused
		ok            bool
	}{
		{"token with a newline", "abc123\n", 0o600, "abc123", true},
		{"group-readable", "abc123", 0o640, "abc123", true},
		{"world-readable", "abc123", 0o644, "", false},
		{"empty", " \n", 0o600, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-"))
			if err := os.WriteFile(f, []byte(c.content), c.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(f, c.mode); err != nil {
				t.Fatal(err)
			}
			got, err := ReadAdminToken(f)
			if (err == nil) != c.ok || got != c.want {
				t.Errorf("ReadAdminToken = %q, %v; want %q ok %v", got, err, c.want, c.ok)
			}
		})
	}
	if tok, err := ReadAdminToken(""); tok != "" || err != nil {
		t.Errorf("no file: %q %v", tok, err)
	}
	if _, err := ReadAdminToken(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing file gave no error")
	}
}
