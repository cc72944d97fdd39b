package proxy

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hostctl/hostctl/router/routes"
)

func TestActivityTake(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	var a activity
	steps := []struct {
		name string
		seen []string // sites seen just before the take
		at   time.Duration
		want map[string]time.Duration // site -> last seen, from t0
	}{
		{"first take", []string{"a", "b"}, 0, map[string]time.Duration{"a": 0, "b": 0}},
		{"nothing since", nil, 5 * time.Second, map[string]time.Duration{}},
		{"one site again", []string{"b"}, 10 * time.Second, map[string]time.Duration{"b": 10 * time.Second}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			now := t0.Add(st.at)
			for _, s := range st.seen {
				a.seen(s, now.UnixNano())
			}
			got := a.take(now.Add(time.Second), nil)
			if len(got) != len(st.want) {
				t.Fatalf("take = %v, want %v", got, st.want)
			}
			for s, d := range st.want {
				if !got[s].Equal(t0.Add(d)) {
					t.Errorf("%s last seen %v, want %v", s, got[s], t0.Add(d))
				}
			}
		})
	}
	a.retain(map[string]bool{"b": true})
	if _, ok := a.sites.Load("a"); ok {
		t.Error("a site no longer routed kept its activity entry")
	}
}

// A stream or websocket keeps its site active for as long as it is open,
// on either path, however long ago it started.
func TestOpenStreamsAreActivity(t *testing.T) {
	cases := []struct {
		name, request string
	}{
		{"fast path: a streamed response", "GET /events HTTP/1.1\r\nHost: a.test\r\n\r\n"},
		{"net/http path: a websocket", "GET /ws HTTP/1.1\r\nHost: a.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			release := make(chan struct{})
			be := backend(t, func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Upgrade") != "" {
					conn, brw, err := http.NewResponseController(w).Hijack()
					if err != nil {
						return
					}
					defer conn.Close()
					_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
					_ = brw.Flush()
				} else {
					_, _ = io.WriteString(w, "data: 1\n\n")
					http.NewResponseController(w).Flush()
				}
				<-release
			})
			url, p := newRouter(t, routes.Site{Name: "a", Domains: []string{"a.test"}, Backends: []routes.Backend{{ID: "a1", Addr: be}}})
			conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
			_, _ = io.WriteString(conn, c.request)
			if _, err := bufio.NewReader(conn).ReadString('\n'); err != nil {
				t.Fatal(err)
			}
			later := time.Now().Add(time.Hour)
			if got := p.takeActivity(later); !got["a"].Equal(later) {
				t.Errorf("an hour into an open stream: %v, want a active now", got)
			}
			close(release)
			conn.Close()
			waitFor(t, func() bool {
				later = later.Add(time.Hour)
				_, active := p.takeActivity(later)["a"]
				return !active
			})
		})
	}
}
