package proxy

import (
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hostctl/hostctl/router/routes"
)

// always picks one backend whatever the load, and counts its calls.
type always struct {
	i     int
	calls atomic.Int64
}

func (a *always) Pick(in Instances) Instance { a.calls.Add(1); return in.At(a.i) }

// TestProxyUsesConfiguredSelector: both paths send every request where
// the configured selector says, which P2C (random) would not.
func TestProxyUsesConfiguredSelector(t *testing.T) {
	named := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, name) }
	}
	sel := &always{i: 2}
	url, _ := newRouterWith(t, Config{Selector: sel}, routes.Site{Name: "a", Domains: []string{"a.test"}, Backends: []routes.Backend{
		{Addr: backend(t, named("b0"))}, {Addr: backend(t, named("b1"))}, {Addr: backend(t, named("b2"))}}})
	cases := []struct {
		name string
		send func() (int, string)
	}{
		{"fast path", func() (int, string) {
			code, body, _ := do(t, "GET", url, "a.test", nil, nil)
			return code, body
		}},
		{"slow path", func() (int, string) {
			// HTTP/1.0 is handed to net/http.
			resp := rawRequest(t, url, "GET / HTTP/1.0\r\nHost: a.test\r\n\r\n")
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := sel.calls.Load()
			for i := range 10 {
				if code, body := c.send(); code != 200 || strings.TrimSpace(body) != "b2" {
					t.Fatalf("request %d: %d %q, want the selector's b2", i, code, body)
				}
			}
			if n := sel.calls.Load() - before; n != 10 {
				t.Errorf("selector called %d times for 10 requests", n)
			}
		})
	}
}
