package proxy

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hostctl/hostctl/router/routes"
)

// TestWebsocket upgrades through the router and echoes both ways.
func TestWebsocket(t *testing.T) {
	a := backend(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "websocket" || r.Header.Get("X-Forwarded-For") == "" {
			http.Error(w, "want an upgrade with X-Forwarded-For", 400)
			return
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
		line, _ := brw.ReadString('\n')
		brw.WriteString("echo " + line)
		brw.Flush()
	})
	url, _ := newRouter(t, routes.Site{Name: "a", Domains: []string{"a.test"}, Backends: []routes.Backend{{Addr: a}}})
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: a.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	io.WriteString(c, "hello\n")
	if line, _ := br.ReadString('\n'); line != "echo hello\n" {
		t.Errorf("echo %q", line)
	}
}

// TestShutdownDrains lets a request in flight finish while new
// connections are refused and idle ones closed.
func TestShutdownDrains(t *testing.T) {
	started := make(chan struct{})
	a := backend(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(started)
			time.Sleep(500 * time.Millisecond)
		}
		io.WriteString(w, "done")
	})
	store := routes.NewStore()
	tbl, _ := routes.Build([]routes.Site{{Name: "a", Domains: []string{"a.test"}, Backends: []routes.Backend{{Addr: a}}}})
	store.Publish(tbl)
	p := New(store, Config{})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go func() { _ = p.Serve(ln) }()
	url := "http://" + ln.Addr().String()

	// An idle keep-alive connection, and one with a request in flight.
	idle, _ := net.Dial("tcp", ln.Addr().String())
	defer idle.Close()
	io.WriteString(idle, "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n")
	ibr := bufio.NewReader(idle)
	if resp, err := http.ReadResponse(ibr, nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("idle conn first request: %v", err)
	} else {
		io.ReadAll(resp.Body)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	var code int
	var body string
	go func() {
		defer wg.Done()
		code, body, _ = do(t, "GET", url+"/slow", "a.test", nil, nil)
	}()
	<-started
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	wg.Wait()
	if code != 200 || body != "done" {
		t.Errorf("in-flight request: %d %q, want it finished", code, body)
	}
	_ = idle.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := ibr.ReadByte(); err != io.EOF {
		t.Errorf("idle connection not closed by the drain: %v", err)
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("new connections still accepted after shutdown")
	}
}

// TestStatic serves a site's static prefix from disk with validators and
// ranges, and never outside the directory.
func TestStatic(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "static")
	os.MkdirAll(filepath.Join(dir, "css"), 0o755)
	os.WriteFile(filepath.Join(dir, "css", "app.css"), []byte("body{color:red}"), 0o644)
	os.WriteFile(filepath.Join(root, "secret"), []byte("secret"), 0o644)
	os.Symlink(filepath.Join(root, "secret"), filepath.Join(dir, "link"))
	a := backend(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "from python") })
	url, _ := newRouter(t, routes.Site{Name: "a", Domains: []string{"a.test"}, Backends: []routes.Backend{{Addr: a}},
		Static: []routes.Static{{Prefix: "/static/", Dir: dir}}})

	code, body, h := do(t, "GET", url+"/static/css/app.css", "a.test", nil, nil)
	if code != 200 || body != "body{color:red}" || h.Get("ETag") == "" || !strings.Contains(h.Get("Cache-Control"), "max-age") ||
		!strings.HasPrefix(h.Get("Content-Type"), "text/css") {
		t.Fatalf("static file: %d %q %v", code, body, h)
	}
	if code, _, _ := do(t, "GET", url+"/static/css/app.css", "a.test", nil, map[string]string{"If-None-Match": h.Get("ETag")}); code != 304 {
		t.Errorf("If-None-Match: %d, want 304", code)
	}
	if code, body, _ := do(t, "GET", url+"/static/css/app.css", "a.test", nil, map[string]string{"Range": "bytes=0-3"}); code != 206 || body != "body" {
		t.Errorf("Range: %d %q", code, body)
	}
	for _, p := range []string{"/static/../secret", "/static/%2e%2e/secret", "/static/link", "/static/css/"} {
		if code, body, _ := do(t, "GET", url+p, "a.test", nil, nil); code != 404 || strings.Contains(body, "secret") {
			t.Errorf("%s: %d %q, want 404", p, code, body)
		}
	}
	if code, body, _ := do(t, "GET", url+"/other", "a.test", nil, nil); code != 200 || body != "from python" {
		t.Errorf("outside the prefix: %d %q", code, body)
	}
}

// TestEjection takes a refusing instance out of rotation after its first
// failure, so later requests stop paying for a retry.
func TestEjection(t *testing.T) {
	a := backend(t, echo)
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := dead.Addr().String()
	dead.Close()
	store := routes.NewStore()
	tbl, _ := routes.Build([]routes.Site{{Name: "a", Domains: []string{"a.test"},
		Backends: []routes.Backend{{Addr: deadAddr}, {Addr: a}}}})
	store.Publish(tbl)
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	p := New(store, Config{Metrics: m})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go func() { _ = p.Serve(ln) }()
	defer ln.Close()
	for range 40 {
		if code, _, _ := do(t, "GET", "http://"+ln.Addr().String(), "a.test", nil, nil); code != 200 {
			t.Fatalf("status %d", code)
		}
	}
	if got := testutil.ToFloat64(m.retries.WithLabelValues("a")); got != 1 {
		t.Errorf("retries = %v, want 1: the dead instance should be ejected after one refusal", got)
	}
	// The last request is counted just after its response is flushed.
	for i := 0; i < 100 && testutil.ToFloat64(m.requests.WithLabelValues("a", "200")) < 40; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if got := testutil.ToFloat64(m.requests.WithLabelValues("a", "200")); got != 40 {
		t.Errorf("requests{code=200} = %v, want 40", got)
	}
}

// TestUnsolicitedBytesAreNotAResponse has a backend write stray bytes on a
// kept-alive connection after its response; the next request must not
// take them for its answer.
func TestUnsolicitedBytesAreNotAResponse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for n := 0; ; n++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn, n int) {
				defer c.Close()
				br := bufio.NewReader(c)
				if _, err := http.ReadRequest(br); err != nil {
					return
				}
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nconn"+string(rune('0'+n)))
				time.Sleep(20 * time.Millisecond)
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstray")
				time.Sleep(time.Second)
			}(c, n)
		}
	}()
	url, _ := newRouter(t, routes.Site{Name: "a", Domains: []string{"a.test"}, Backends: []routes.Backend{{Addr: ln.Addr().String()}}})
	if code, body, _ := do(t, "GET", url, "a.test", nil, nil); code != 200 || body != "conn0" {
		t.Fatalf("first: %d %q", code, body)
	}
	time.Sleep(100 * time.Millisecond)
	if code, body, _ := do(t, "GET", url, "a.test", nil, nil); code != 200 || body != "conn1" {
		t.Errorf("second request got %d %q; want a fresh connection's answer, not the stray bytes", code, body)
	}
}

// TestUpstreamDyingMidBodyIsRetried has one instance send a head and part
// of the body, then drop the connection: while nothing has reached the
// client, a GET goes to the other instance instead of ending truncated.
func TestUpstreamDyingMidBodyIsRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
					return
				}
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
			}(c)
		}
	}()
	good := backend(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "whole") })
	url, _ := newRouter(t, routes.Site{Name: "a", Domains: []string{"a.test"},
		Backends: []routes.Backend{{Addr: ln.Addr().String()}, {Addr: good}}})
	for i := range 20 {
		if code, body, _ := do(t, "GET", url, "a.test", nil, nil); code != 200 || body != "whole" {
			t.Fatalf("request %d: %d %q", i, code, body)
		}
	}
}
