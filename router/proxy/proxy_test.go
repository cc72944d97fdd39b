package proxy

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hostctl/hostctl/router/routes"
)

// newRouter serves a fixed table through a real listener.
func newRouter(t *testing.T, sites ...routes.Site) (string, *Proxy) {
	t.Helper()
	return newRouterWith(t, Config{}, sites...)
}

func newRouterWith(t *testing.T, cfg Config, sites ...routes.Site) (string, *Proxy) {
	t.Helper()
	store := routes.NewStore()
	tbl, errs := routes.Build(sites, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	store.Publish(tbl)
	p := New(store, cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.Serve(ln) }()
	t.Cleanup(func() {
		ln.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = p.Shutdown(ctx)
	})
	return "http://" + ln.Addr().String(), p
}

func backend(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return strings.TrimPrefix(s.URL, "http://")
}

// testClient bounds every request, so a router that hangs fails the test
// instead of stalling the suite.
var testClient = &http.Client{Timeout: 10 * time.Second}

func do(t *testing.T, method, url, host string, body io.Reader, hdr map[string]string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, url, body)
	req.Host = host
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func echo(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	fmt.Fprintf(w, "host=%s xff=%s xfh=%s xfp=%s fwd=%s uri=%s body=%s conn=%s",
		r.Host, r.Header.Values("X-Forwarded-For"), r.Header.Get("X-Forwarded-Host"), r.Header.Get("X-Forwarded-Proto"),
		r.Header.Get("Forwarded"), r.RequestURI, b, r.Header.Get("Keep-Alive"))
}

func TestRoutesByHostAndSetsForwardedHeaders(t *testing.T) {
	a := backend(t, echo)
	url, _ := newRouter(t,
		routes.Site{Name: "a", Domains: []string{"a.test", "*.w.test"}, Backends: []routes.Backend{{ID: "a1", Addr: a}}},
		routes.Site{Name: "down", Domains: []string{"down.test"}},
		routes.Site{Name: "gone", Domains: []string{"gone.test"}, Backends: []routes.Backend{{ID: "g", Addr: "127.0.0.1:1"}}},
		routes.Site{Name: "r", Domains: []string{"main.test"}, Redirects: []string{"old.test"}, Backends: []routes.Backend{{ID: "a1", Addr: a}}},
	)
	spoof := map[string]string{"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Host": "evil", "Forwarded": "for=6.6.6.6", "Keep-Alive": "timeout=5"}
	for _, method := range []string{"GET", "POST"} {
		code, body, _ := do(t, method, url+"/p?q=1", "A.Test:80", strings.NewReader("hi"), spoof)
		want := "host=A.Test:80 xff=[127.0.0.1] xfh=a.test xfp=http fwd= uri=/p?q=1 body="
		if method == "POST" {
			want += "hi"
		}
		if code != 200 || !strings.HasPrefix(body, want) || !strings.HasSuffix(body, "conn=") {
			t.Errorf("%s: %d %q, want prefix %q and no hop-by-hop header", method, code, body, want)
		}
	}
	if code, body, _ := do(t, "GET", url, "x.w.test", nil, nil); code != 200 || !strings.Contains(body, "xfh=x.w.test") {
		t.Errorf("wildcard: %d %q", code, body)
	}
	if code, body, _ := do(t, "GET", url, "<script>.test", nil, nil); code != 404 || strings.Contains(body, "<script>") {
		t.Errorf("unknown host: %d %q (host must be escaped)", code, body)
	}
	if code, _, h := do(t, "GET", url, "down.test", nil, nil); code != 503 || h.Get("Retry-After") == "" {
		t.Errorf("no instance: %d", code)
	}
	if code, _, _ := do(t, "GET", url, "gone.test", nil, nil); code != 502 {
		t.Errorf("dead instance: %d, want 502", code)
	}
	req, _ := http.NewRequest("GET", url+"/x?y=1", nil)
	req.Host = "old.test"
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 301 || resp.Header.Get("Location") != "http://main.test/x?y=1" {
		t.Errorf("redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestRetriesOnAnotherInstanceWhenDialFails(t *testing.T) {
	a := backend(t, echo)
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := dead.Addr().String()
	dead.Close()
	url, _ := newRouter(t, routes.Site{Name: "a", Domains: []string{"a.test"},
		Backends: []routes.Backend{{ID: "dead", Addr: deadAddr}, {ID: "live", Addr: a}}})
	for i := range 50 {
		method := "GET"
		if i%2 == 1 {
			method = "POST" // a refused dial sent nothing, so even POST may go elsewhere
		}
		if code, body, _ := do(t, method, url, "a.test", strings.NewReader("b"), nil); code != 200 {
			t.Fatalf("request %d (%s): %d %q", i, method, code, body)
		}
	}
}

func TestStreamsChunkedResponses(t *testing.T) {
	release := make(chan struct{})
	a := backend(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		<-release
		io.WriteString(w, "second\n")
	})
	url, _ := newRouter(t, routes.Site{Name: "a", Domains: []string{"a.test"}, Backends: []routes.Backend{{Addr: a}}})
	req, _ := http.NewRequest("GET", url, nil)
	req.Host = "a.test"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	if err != nil || line != "first\n" {
		t.Fatalf("first line %q, %v: the router held the stream back", line, err)
	}
	close(release)
	if rest, _ := io.ReadAll(br); string(rest) != "second\n" {
		t.Errorf("rest %q", rest)
	}
	if resp.TransferEncoding == nil || resp.TransferEncoding[0] != "chunked" {
		t.Errorf("transfer encoding %v", resp.TransferEncoding)
	}
}

// rawRequest sends bytes on a fresh connection and returns the first
// response.
func rawRequest(t *testing.T, url, raw string) *http.Response {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(strings.NewReader(string(b)))
	return resp
}

func TestHandsUnusualRequestsToNetHTTP(t *testing.T) {
	a := backend(t, echo)
	url, _ := newRouter(t, routes.Site{Name: "a", Domains: []string{"a.test"}, Backends: []routes.Backend{{Addr: a}}})
	cases := []struct {
		name, raw string
		code      int
		body      string
	}{
		{"http/1.0", "GET /x HTTP/1.0\r\nHost: a.test\r\n\r\n", 200, "uri=/x"},
		{"chunked upload", "POST /c HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 200, "body=abc"},
		// Transfer-Encoding wins: the three bytes the length claims are not a body.
		{"both lengths", "POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n", 200, "body= "},
		{"two hosts", "GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n", 400, ""},
		{"no host", "GET / HTTP/1.1\r\n\r\n", 400, ""},
		{"folded header", "GET / HTTP/1.1\r\nHost: a.test\r\nX-A: 1\r\n 2\r\n\r\n", 200, "uri=/ "},
		{"huge head", "GET / HTTP/1.1\r\nHost: a.test\r\nX-Big: " + strings.Repeat("x", 70<<10) + "\r\n\r\n", 431, ""},
		{"absolute form", "GET http://a.test/abs HTTP/1.1\r\nHost: a.test\r\n\r\n", 200, "uri=/abs "},
	}
	for _, c := range cases {
		resp := rawRequest(t, url, c.raw)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != c.code || !strings.Contains(string(b), c.body) {
			t.Errorf("%s: %d %q, want %d containing %q", c.name, resp.StatusCode, b, c.code, c.body)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	a := backend(t, echo)
	store := routes.NewStore()
	tbl, _ := routes.Build([]routes.Site{{Name: "a", Domains: []string{"a.test"}, Backends: []routes.Backend{{Addr: a}}}}, nil)
	store.Publish(tbl)
	p := New(store, Config{MaxBodyBytes: 10})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go func() { _ = p.Serve(ln) }()
	defer ln.Close()
	url := "http://" + ln.Addr().String()
	if code, _, _ := do(t, "POST", url, "a.test", strings.NewReader(strings.Repeat("x", 11)), nil); code != 413 {
		t.Errorf("content-length over limit: %d", code)
	}
	resp := rawRequest(t, url, "POST / HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\nb\r\nxxxxxxxxxxx\r\n0\r\n\r\n")
	if resp.StatusCode != 413 {
		t.Errorf("chunked over limit: %d", resp.StatusCode)
	}
	if code, body, _ := do(t, "POST", url, "a.test", strings.NewReader("0123456789"), nil); code != 200 || !strings.Contains(body, "body=0123456789") {
		t.Errorf("at the limit: %d %q", code, body)
	}
}

func TestSlowlorisHeadIsCut(t *testing.T) {
	a := backend(t, echo)
	store := routes.NewStore()
	tbl, _ := routes.Build([]routes.Site{{Name: "a", Domains: []string{"a.test"}, Backends: []routes.Backend{{Addr: a}}}}, nil)
	store.Publish(tbl)
	p := New(store, Config{ReadHeaderTimeout: 300 * time.Millisecond})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go func() { _ = p.Serve(ln) }()
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: a.te")
	t0 := time.Now()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = c.Read(make([]byte, 1))
	if err == nil || time.Since(t0) > 3*time.Second {
		t.Errorf("a stalled head kept the connection %s (err %v)", time.Since(t0), err)
	}
}

// TestUnderscoreHeadersAreDropped spoofs the router's forwarded headers
// with names gunicorn maps to the same WSGI keys (HTTP_X_FORWARDED_PROTO
// for both X-Forwarded-Proto and X_Forwarded_Proto), on the fast path and
// on the net/http path. The backend reads headers as gunicorn's environ
// would.
func TestUnderscoreHeadersAreDropped(t *testing.T) {
	type seen struct {
		Names   []string
		Environ map[string][]string
	}
	a := backend(t, func(w http.ResponseWriter, r *http.Request) {
		s := seen{Environ: map[string][]string{}}
		for k, vs := range r.Header {
			s.Names = append(s.Names, k)
			key := "HTTP_" + strings.ToUpper(strings.ReplaceAll(k, "-", "_"))
			s.Environ[key] = append(s.Environ[key], vs...)
		}
		_ = json.NewEncoder(w).Encode(s)
	})
	url, _ := newRouter(t, routes.Site{Name: "a", Domains: []string{"a.test"}, Backends: []routes.Backend{{Addr: a}}})
	spoofs := []string{
		"X_Forwarded_Proto: https",
		"x_forwarded_proto: https",
		"X-Forwarded_Proto: https",
		"X-Forwarded_For: 1.2.3.4",
		"X_FORWARDED_FOR: 1.2.3.4",
		"X_Forwarded-Host: evil.test",
		"X_Real_Ip: 6.6.6.6",
		"_X-Forwarded-Proto: https",
		"X-Forwarded-Proto_: https",
		"_: x",
		"___: x",
		"X_Custom: 1",
	}
	for _, version := range []string{"HTTP/1.1", "HTTP/1.0"} {
		for _, spoof := range spoofs {
			t.Run(version+" "+spoof, func(t *testing.T) {
				raw := "GET / " + version + "\r\nHost: a.test\r\nX-Legit: yes\r\n" + spoof + "\r\nConnection: close\r\n\r\n"
				var r request
				if fast := r.parse([]byte(raw)); fast != (version == "HTTP/1.1") {
					t.Fatalf("fast path takes it: %v; this case is meant for the other path", fast)
				}
				resp := rawRequest(t, url, raw)
				var s seen
				if err := json.NewDecoder(resp.Body).Decode(&s); err != nil || resp.StatusCode != 200 {
					t.Fatalf("%d %v", resp.StatusCode, err)
				}
				for _, n := range s.Names {
					if strings.Contains(n, "_") {
						t.Errorf("the application got header %q", n)
					}
				}
				want := map[string][]string{
					"HTTP_X_FORWARDED_PROTO": {"http"},
					"HTTP_X_FORWARDED_FOR":   {"127.0.0.1"},
					"HTTP_X_FORWARDED_HOST":  {"a.test"},
					"HTTP_X_REAL_IP":         nil,
					"HTTP_X_LEGIT":           {"yes"},
				}
				for k, v := range want {
					if got := s.Environ[k]; !slices.Equal(got, v) {
						t.Errorf("%s = %q, want %q", k, got, v)
					}
				}
			})
		}
	}
}
