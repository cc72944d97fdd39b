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
	"syscall"
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
	tbl, _ := routes.Build([]routes.Site{{Name: "a", Domains: []string{"a.test"}, Backends: []routes.Backend{{Addr: a}}}}, nil)
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
// ranges, and nothing that is not the site's own: dirs outside its
// directory under a static root, links in its files to another site's
// files or to /etc, pairs injected into its meta, and a FIFO.
func TestStatic(t *testing.T) {
	tmp := t.TempDir()
	code, media := filepath.Join(tmp, "code"), filepath.Join(tmp, "media")
	static := filepath.Join(code, "a", "static")
	mustMkdir(t, filepath.Join(static, "css"), filepath.Join(code, "other"), filepath.Join(media, "sites", "a"), filepath.Join(media, "sites", "other"))
	mustWrite(t, map[string]string{
		filepath.Join(static, "css", "app.css"):               "body{color:red}",
		filepath.Join(code, "a", "settings.py"):               "SECRET_KEY = 'a'",
		filepath.Join(code, "other", "secret"):                "other's secret",
		filepath.Join(media, "sites", "a", "up.txt"):          "a's upload",
		filepath.Join(media, "sites", "other", "private.txt"): "other's upload",
	})
	for link, target := range map[string]string{
		"link-other":  "../../other/secret",                 // inside the static root, outside the site's dir
		"link-passwd": "/etc/passwd",                        // absolute
		"link-up":     "../../../../../../../../etc/passwd", // relative, out of everything
		"link-own":    "../settings.py",                     // the site's own file: fine
	} {
		if err := os.Symlink(target, filepath.Join(static, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(static, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	roots := []string{code, media}
	asked := []routes.Static{
		{Prefix: "/static/", Dir: static},
		{Prefix: "/media/", Dir: filepath.Join(media, "sites", "a")},
		{Prefix: "/etc/", Dir: "/etc"},
		{Prefix: "/steal/", Dir: filepath.Join(code, "other")},
		{Prefix: "/walk/", Dir: filepath.Join(code, "a") + "/../other"},
		{Prefix: "/steal-media/", Dir: filepath.Join(media, "sites", "other")},
		{Prefix: "/store/", Dir: filepath.Join(media, "sites")},
		// What a lenient parse of "/static/=DIR,/x/=/etc" and "/y/=DIR=/etc" yields.
		{Prefix: "/x/", Dir: "/etc"},
		{Prefix: "/y/", Dir: filepath.Join(code, "a") + "=/etc"},
	}
	kept, dropped := routes.ConfineStatic("a", asked, roots)
	if len(kept) != 2 || len(dropped) != len(asked)-2 {
		// Not fatal: the requests below show what a wrong choice serves.
		t.Errorf("kept %+v, dropped %v", kept, dropped)
	}
	py := backend(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "from python") })
	url, _ := newRouter(t,
		routes.Site{Name: "a", Domains: []string{"a.test"}, Backends: []routes.Backend{{Addr: py}}, Static: kept},
		// Not through ConfineStatic, as with no --static-root: never served.
		routes.Site{Name: "b", Domains: []string{"b.test"}, Backends: []routes.Backend{{Addr: py}},
			Static: []routes.Static{{Prefix: "/etc/", Dir: "/etc"}}})

	code200, body, h := do(t, "GET", url+"/static/css/app.css", "a.test", nil, nil)
	if code200 != 200 || body != "body{color:red}" || h.Get("ETag") == "" || !strings.Contains(h.Get("Cache-Control"), "max-age") ||
		!strings.HasPrefix(h.Get("Content-Type"), "text/css") {
		t.Fatalf("static file: %d %q %v", code200, body, h)
	}
	if code, _, _ := do(t, "GET", url+"/static/css/app.css", "a.test", nil, map[string]string{"If-None-Match": h.Get("ETag")}); code != 304 {
		t.Errorf("If-None-Match: %d, want 304", code)
	}
	if code, body, _ := do(t, "GET", url+"/static/css/app.css", "a.test", nil, map[string]string{"Range": "bytes=0-3"}); code != 206 || body != "body" {
		t.Errorf("Range: %d %q", code, body)
	}
	cases := []struct {
		name, host, path string
		code             int
		body             string
	}{
		{"media", "a.test", "/media/up.txt", 200, "a's upload"},
		{"link within the site's dir", "a.test", "/static/link-own", 200, "SECRET_KEY = 'a'"},
		{"outside the prefix", "a.test", "/other", 200, "from python"},
		{"dot-dot", "a.test", "/static/../settings.py", 404, ""},
		{"encoded dot-dot", "a.test", "/static/%2e%2e/%2e%2e/other/secret", 404, ""},
		{"link to another site's file", "a.test", "/static/link-other", 404, ""},
		{"absolute link to /etc/passwd", "a.test", "/static/link-passwd", 404, ""},
		{"relative link out of everything", "a.test", "/static/link-up", 404, ""},
		{"a directory", "a.test", "/static/css/", 404, ""},
		{"a FIFO", "a.test", "/static/fifo", 404, ""},
		{"/etc", "a.test", "/etc/passwd", 200, "from python"},
		{"another site's code", "a.test", "/steal/secret", 200, "from python"},
		{"walking up to another site", "a.test", "/walk/secret", 200, "from python"},
		{"another site's media", "a.test", "/steal-media/private.txt", 200, "from python"},
		{"the whole media store", "a.test", "/store/other/private.txt", 200, "from python"},
		{"pair injected with ','", "a.test", "/x/passwd", 200, "from python"},
		{"pair injected with '='", "a.test", "/y/passwd", 200, "from python"},
		{"a static dir never confined", "b.test", "/etc/passwd", 200, "from python"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body, _ := do(t, "GET", url+c.path, c.host, nil, nil)
			if code != c.code || c.body != "" && body != c.body || strings.Contains(body, "secret") || strings.Contains(body, "root:") ||
				strings.Contains(body, "other's") {
				t.Errorf("%s: %d %q, want %d %q", c.path, code, body, c.code, c.body)
			}
		})
	}
}

func mustMkdir(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func mustWrite(t *testing.T, files map[string]string) {
	t.Helper()
	for name, content := range files {
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
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
		Backends: []routes.Backend{{Addr: deadAddr}, {Addr: a}}}}, nil)
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
