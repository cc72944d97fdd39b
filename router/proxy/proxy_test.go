package proxy

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hostctl/hostctl/router/routes"
)

func newRouter(t *testing.T, sites ...routes.Site) *httptest.Server {
	t.Helper()
	store := routes.NewStore()
	tbl, errs := routes.Build(sites)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	store.Publish(tbl)
	srv := httptest.NewServer(New(store, slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url, host string, hdr map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Host = host
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestRoutesByHost(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "host="+r.Host+" xff="+r.Header.Get("X-Forwarded-For")+" xfh="+r.Header.Get("X-Forwarded-Host")+" path="+r.URL.Path)
	}))
	defer backend.Close()
	addr := strings.TrimPrefix(backend.URL, "http://")
	srv := newRouter(t,
		routes.Site{Name: "a", Domains: []string{"a.test"}, Backends: []routes.Backend{{ID: "a1", Addr: addr}}},
		routes.Site{Name: "down", Domains: []string{"down.test"}},
	)

	code, body := get(t, srv.URL+"/x?y=1", "a.test", map[string]string{"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Host": "evil"})
	if code != 200 {
		t.Fatalf("a.test: %d %s", code, body)
	}
	for _, want := range []string{"host=a.test", "xff=127.0.0.1", "xfh=a.test", "path=/x"} {
		if !strings.Contains(body, want) {
			t.Errorf("backend saw %q, want %q", body, want)
		}
	}
	if strings.Contains(body, "6.6.6.6") || strings.Contains(body, "evil") {
		t.Errorf("client-sent forwarding headers reached the backend: %q", body)
	}

	code, body = get(t, srv.URL, "nope.test", nil)
	if code != 404 || !strings.Contains(body, "nope.test") {
		t.Errorf("unknown host: %d %q", code, body)
	}
	code, body = get(t, srv.URL, "<script>x</script>.test", nil)
	if code != 404 || strings.Contains(body, "<script>") {
		t.Errorf("host not escaped in 404 page: %q", body)
	}
	code, body = get(t, srv.URL, "down.test", nil)
	if code != 503 || !strings.Contains(body, "&#34;down&#34;") {
		t.Errorf("site without instances: %d %q", code, body)
	}
}

func TestBackendDown(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	addr := strings.TrimPrefix(dead.URL, "http://")
	dead.Close()
	srv := newRouter(t, routes.Site{Name: "a", Domains: []string{"a.test"}, Backends: []routes.Backend{{ID: "a1", Addr: addr}}})
	if code, _ := get(t, srv.URL, "a.test", nil); code != http.StatusBadGateway {
		t.Errorf("dead backend: %d, want 502", code)
	}
}

func TestRedirect(t *testing.T) {
	srv := newRouter(t, routes.Site{Name: "a", Domains: []string{"new.test"}, Redirects: []string{"old.test"}})
	req, _ := http.NewRequest("GET", srv.URL+"/path?q=1", nil)
	req.Host = "old.test:8080"
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "http://new.test:8080/path?q=1" {
		t.Errorf("redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}
