package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hostctl/hostctl/router/routes"
)

// TestInstanceStaticRouting sends GET and HEAD under a site's
// instance-served prefixes to the instances' static servers and
// everything else to gunicorn, on both proxy paths; writes to a static
// prefix are refused without reaching either, and a site whose instances
// run no static server leaves such paths to gunicorn.
func TestInstanceStaticRouting(t *testing.T) {
	var webHits, staticHits atomic.Int32
	web := backend(t, func(w http.ResponseWriter, r *http.Request) {
		webHits.Add(1)
		fmt.Fprintf(w, "web %s %s", r.Method, r.URL.Path)
	})
	static := backend(t, func(w http.ResponseWriter, r *http.Request) {
		staticHits.Add(1)
		fmt.Fprintf(w, "static %s %s", r.Method, r.URL.Path)
	})
	// A second instance's static server is down: its refused dial ejects
	// it and the request is retried on the first.
	dead := reserveAddr(t)
	url, _ := newRouter(t,
		routes.Site{Name: "a", Domains: []string{"a.test"}, InstanceStatic: []string{"/static/"},
			Backends: []routes.Backend{{ID: "1", Addr: web, StaticAddr: static}, {ID: "2", Addr: web, StaticAddr: dead}}},
		routes.Site{Name: "old", Domains: []string{"old.test"}, InstanceStatic: []string{"/static/"},
			Backends: []routes.Backend{{ID: "3", Addr: web}}})
	cases := []struct {
		name, method, host, path string
		code                     int
		body                     string
		web, static              int32
	}{
		{"static file", "GET", "a.test", "/static/app.css", 200, "static GET /static/app.css", 0, 1},
		{"static again (retried past the dead one)", "GET", "a.test", "/static/app.css?v=2", 200, "static GET /static/app.css", 0, 1},
		{"head", "HEAD", "a.test", "/static/app.css", 200, "", 0, 1},
		{"a page", "GET", "a.test", "/", 200, "web GET /", 1, 0},
		{"a path that only starts like the prefix", "GET", "a.test", "/statics", 200, "web GET /statics", 1, 0},
		{"post to a static prefix", "POST", "a.test", "/static/app.css", 405, "", 0, 0},
		{"no instance serves static files", "GET", "old.test", "/static/app.css", 200, "web GET /static/app.css", 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w0, s0 := webHits.Load(), staticHits.Load()
			code, body, _ := do(t, c.method, url+c.path, c.host, strings.NewReader(""), nil)
			if code != c.code || c.body != "" && body != c.body {
				t.Errorf("%s %s: %d %q, want %d %q", c.method, c.path, code, body, c.code, c.body)
			}
			if w, s := webHits.Load()-w0, staticHits.Load()-s0; w != c.web || s != c.static {
				t.Errorf("gunicorn asked %d times, static server %d; want %d, %d", w, s, c.web, c.static)
			}
		})
	}
	t.Run("fast path hands static paths over", func(t *testing.T) {
		c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		s0 := staticHits.Load()
		io.WriteString(c, "GET /static/x.js HTTP/1.1\r\nHost: a.test\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if string(b) != "static GET /static/x.js" || staticHits.Load()-s0 != 1 {
			t.Errorf("keep-alive request: %q", b)
		}
	})
}
