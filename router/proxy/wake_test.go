package proxy

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostctl/hostctl/router/routes"
)

// fakeWaker counts calls; onWake, if set, plays the scheduler.
type fakeWaker struct {
	mu            sync.Mutex
	wakes, awakes int
	onWake        func(site string) (bool, error)
	awakeCh       chan string
	wakeFailedCh  chan string
}

func newFakeWaker(onWake func(string) (bool, error)) *fakeWaker {
	return &fakeWaker{onWake: onWake, awakeCh: make(chan string, 16), wakeFailedCh: make(chan string, 16)}
}

func (f *fakeWaker) Wake(_ context.Context, site string) (bool, error) {
	f.mu.Lock()
	f.wakes++
	fn := f.onWake
	f.mu.Unlock()
	if fn == nil {
		return true, nil
	}
	return fn(site)
}

func (f *fakeWaker) Awake(_ context.Context, site string) error {
	f.mu.Lock()
	f.awakes++
	f.mu.Unlock()
	f.awakeCh <- site
	return nil
}

func (f *fakeWaker) WakeFailed(_ context.Context, site, reason string) error {
	f.wakeFailedCh <- site + ": " + reason
	return nil
}

func (f *fakeWaker) wakeCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.wakes
}

// publish replaces the proxy's table, as the Consul watcher would.
func publish(t *testing.T, p *Proxy, sites ...routes.Site) {
	t.Helper()
	tbl, errs := routes.Build(sites, p.store.Load())
	if len(errs) > 0 {
		t.Error(errs)
	}
	p.store.Publish(tbl)
	p.Published(tbl)
}

func asleep(name string) routes.Site {
	return routes.Site{Name: name, Domains: []string{name + ".test"}, Asleep: true, Since: 1}
}

// reserveAddr returns a loopback address nothing listens on yet: an
// instance registered in Consul whose process has not bound its port.
func reserveAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// listenLater starts serving h on addr after delay and sends the time it
// started accepting.
func listenLater(t *testing.T, addr string, delay time.Duration, h http.HandlerFunc) <-chan time.Time {
	t.Helper()
	up := make(chan time.Time, 1)
	srv := &http.Server{Handler: h}
	t.Cleanup(func() { srv.Close() })
	go func() {
		time.Sleep(delay)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Errorf("listen %s: %v", addr, err)
			return
		}
		up <- time.Now()
		_ = srv.Serve(ln)
	}()
	return up
}

func ok(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "awake") }

// scaleUp is a Waker that registers a starting instance of the site (in
// the table, not passing) and has it bind its port after delay; the
// instance never passes its health check during the test, so only
// readiness by accept can serve the requests.
func scaleUp(t *testing.T, p **Proxy, delay time.Duration, h http.HandlerFunc) (func(string) (bool, error), <-chan time.Time) {
	upc := make(chan time.Time, 1)
	return func(site string) (bool, error) {
		addr := reserveAddr(t)
		s := asleep(site)
		s.Starting = []routes.Backend{{ID: site + "-1", Addr: addr}}
		publish(t, *p, s)
		go func() { upc <- <-listenLater(t, addr, delay, h) }()
		return true, nil
	}, upc
}

func getStatus(url, host string) (int, string, http.Header, error) {
	req, _ := http.NewRequest("GET", url, nil)
	req.Host = host
	resp, err := testClient.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header, nil
}

func TestWakeSingleFlight(t *testing.T) {
	var p *Proxy
	onWake, up := scaleUp(t, &p, 150*time.Millisecond, ok)
	w := newFakeWaker(onWake)
	url, px := newRouterWith(t, Config{Waker: w}, asleep("s"))
	p = px

	const n = 100
	var wg sync.WaitGroup
	codes := make([]int, n)
	bodies := make([]string, n)
	done := make([]time.Time, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, body, _, err := getStatus(url, "s.test")
			if err != nil {
				t.Error(err)
			}
			codes[i], bodies[i], done[i] = code, body, time.Now()
		}()
	}
	wg.Wait()
	for i := range n {
		if codes[i] != 200 || bodies[i] != "awake" {
			t.Fatalf("request %d: %d %q", i, codes[i], bodies[i])
		}
	}
	if got := w.wakeCount(); got != 1 {
		t.Errorf("Wake called %d times, want 1", got)
	}
	accepted := <-up
	for i := range n {
		if done[i].Before(accepted) {
			t.Fatalf("request %d answered before any instance listened", i)
		}
	}
	select {
	case site := <-w.awakeCh:
		if site != "s" {
			t.Errorf("Awake(%q)", site)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Awake never called")
	}
	p.wakes.mu.Lock()
	waiting := p.wakes.waiting
	p.wakes.mu.Unlock()
	if waiting != 0 {
		t.Errorf("%d requests still counted as waiting", waiting)
	}
}

// After the wake, the marker goes (Awake) before Consul sees the instance
// pass: requests meanwhile go to the instance that accepted, without
// another wake.
func TestWokenSiteServedUntilConsulCatchesUp(t *testing.T) {
	var p *Proxy
	onWake, _ := scaleUp(t, &p, 0, ok)
	w := newFakeWaker(onWake)
	url, px := newRouterWith(t, Config{Waker: w}, asleep("s"))
	p = px
	if code, _, _, err := getStatus(url, "s.test"); code != 200 || err != nil {
		t.Fatalf("first request: %d %v", code, err)
	}
	<-w.awakeCh
	r, _ := p.store.Load().Site("s")
	s := asleep("s")
	s.Asleep, s.Starting = false, r.Starting
	publish(t, p, s)
	if code, body, _, err := getStatus(url, "s.test"); code != 200 || err != nil {
		t.Errorf("after the marker left: %d %q %v", code, body, err)
	}
	if got := w.wakeCount(); got != 1 {
		t.Errorf("Wake called %d times, want 1", got)
	}
}

func TestWakeRefusals(t *testing.T) {
	never := func(string) (bool, error) { return true, nil } // scales, but nothing ever listens
	cases := []struct {
		name    string
		cfg     WakeConfig
		waker   func(string) (bool, error)
		noWaker bool
		sites   []routes.Site
		// waiting are sent first, and each is in the queue before the
		// next; then are sent one after another once they all wait.
		waiting, then []string
		wantCodes     map[int]int
		wantBody      map[string]int // substring -> how many bodies hold it
		wantWakes     int
	}{
		{name: "per-site queue overflow",
			cfg:   WakeConfig{Queue: 2, Timeout: time.Second},
			waker: never, sites: []routes.Site{asleep("a")},
			waiting: []string{"a.test", "a.test"}, then: []string{"a.test", "a.test", "a.test"},
			wantCodes: map[int]int{503: 5},
			wantBody:  map[string]int{"Too many requests are waiting": 3, "no instance accepted a connection within 1s": 2},
			wantWakes: 1},
		{name: "total queue overflow",
			cfg:   WakeConfig{QueueTotal: 2, Timeout: time.Second},
			waker: never, sites: []routes.Site{asleep("a"), asleep("b"), asleep("c")},
			waiting: []string{"a.test", "b.test"}, then: []string{"c.test", "a.test"},
			wantCodes: map[int]int{503: 4},
			wantBody:  map[string]int{"Too many requests are waiting": 2, "failed to wake": 2},
			wantWakes: 2},
		{name: "rate limit: no Wake call",
			cfg:   WakeConfig{Rate: 0.001, Burst: 1},
			waker: func(string) (bool, error) { return false, errors.New("nomad: permission denied") },
			sites: []routes.Site{asleep("a"), asleep("b")}, then: []string{"a.test", "b.test", "a.test"},
			wantCodes: map[int]int{503: 3},
			wantBody:  map[string]int{"too many sites at once": 2, "its instances could not be started": 1, "permission denied": 0},
			wantWakes: 1},
		{name: "no waker",
			noWaker: true, sites: []routes.Site{asleep("a")}, then: []string{"a.test"},
			wantCodes: map[int]int{503: 1}, wantBody: map[string]int{"cannot wake sites": 1}},
		{name: "not asleep, only starting instances: today's 503, no wake",
			waker: never,
			sites: []routes.Site{{Name: "a", Domains: []string{"a.test"}, Starting: []routes.Backend{{ID: "x", Addr: "127.0.0.1:1"}}}},
			then:  []string{"a.test"}, wantCodes: map[int]int{503: 1}, wantBody: map[string]int{"no healthy instance": 1}},
		{name: "destroyed while asleep: 404",
			waker: never, sites: []routes.Site{asleep("other")}, then: []string{"a.test"},
			wantCodes: map[int]int{404: 1}, wantBody: map[string]int{"No site is hosted": 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newFakeWaker(c.waker)
			cfg := Config{Wake: c.cfg, Waker: w}
			if c.noWaker {
				cfg.Waker = nil
			}
			url, p := newRouterWith(t, cfg, c.sites...)
			var mu sync.Mutex
			codes, bodies := map[int]int{}, map[string]int{}
			send := func(host string) {
				code, body, h, err := getStatus(url, host)
				if err != nil {
					t.Error(err)
				}
				if code == 503 && h.Get("Retry-After") == "" {
					t.Errorf("503 without Retry-After: %q", body)
				}
				mu.Lock()
				defer mu.Unlock()
				codes[code]++
				for sub := range c.wantBody {
					if strings.Contains(body, sub) {
						bodies[sub]++
					}
				}
			}
			var wg sync.WaitGroup
			for i, host := range c.waiting {
				wg.Add(1)
				go func() { defer wg.Done(); send(host) }()
				waitFor(t, func() bool { return p.wakes.queued() == i+1 })
			}
			for _, host := range c.then {
				send(host)
			}
			wg.Wait()
			for sub, n := range c.wantBody {
				if n == 0 {
					delete(c.wantBody, sub)
				}
			}
			if !equalCounts(codes, c.wantCodes) || !equalCounts(bodies, c.wantBody) {
				t.Errorf("codes %v bodies %v, want %v %v", codes, bodies, c.wantCodes, c.wantBody)
			}
			if got := w.wakeCount(); got != c.wantWakes {
				t.Errorf("Wake called %d times, want %d", got, c.wantWakes)
			}
		})
	}
}

// A failed wake answers its waiting requests 503 well before the timeout
// when the Waker says no, records the detail with WakeFailed, and the next
// request tries again.
func TestFailedWakeIsRecordedAndRetried(t *testing.T) {
	cases := []struct {
		name       string
		cfg        WakeConfig
		waker      func(string) (bool, error)
		wantBody   string
		wantReason string
		within     time.Duration
	}{
		{name: "Wake error", cfg: WakeConfig{Timeout: 30 * time.Second},
			waker:    func(string) (bool, error) { return false, errors.New("job \"s\" not found") },
			wantBody: "Site &#34;s&#34; failed to wake: its instances could not be started.", wantReason: `s: starting the site failed: job "s" not found`,
			within: 5 * time.Second},
		{name: "nothing accepts in time", cfg: WakeConfig{Timeout: 300 * time.Millisecond},
			waker:    func(string) (bool, error) { return true, nil },
			wantBody: "no instance accepted a connection within 300ms", wantReason: "s: no instance accepted a connection within 300ms",
			within: 5 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newFakeWaker(c.waker)
			url, _ := newRouterWith(t, Config{Waker: w, Wake: c.cfg}, asleep("s"))
			for try := 1; try <= 2; try++ {
				start := time.Now()
				code, body, h, err := getStatus(url, "s.test")
				if err != nil || code != 503 || !strings.Contains(body, c.wantBody) || h.Get("Retry-After") == "" {
					t.Fatalf("try %d: %d %q %v", try, code, body, err)
				}
				if d := time.Since(start); d > c.within {
					t.Errorf("try %d took %s", try, d)
				}
				if reason := <-w.wakeFailedCh; reason != c.wantReason {
					t.Errorf("WakeFailed(%q), want %q", reason, c.wantReason)
				}
				if got := w.wakeCount(); got != try {
					t.Errorf("Wake called %d times after %d requests", got, try)
				}
			}
		})
	}
}

// A site destroyed while it wakes (its marker leaves the table) answers
// its waiting requests 404, as it would any new one.
func TestSiteDestroyedWhileWaking(t *testing.T) {
	var p *Proxy
	destroyed := make(chan struct{})
	w := newFakeWaker(func(string) (bool, error) {
		go func() {
			time.Sleep(50 * time.Millisecond)
			publish(t, p, asleep("other"))
			close(destroyed)
		}()
		return true, nil
	})
	url, px := newRouterWith(t, Config{Waker: w}, asleep("s"), asleep("other"))
	p = px
	code, body, _, err := getStatus(url, "s.test")
	if err != nil || code != 404 || !strings.Contains(body, "No site is hosted at &#34;s.test&#34;") {
		t.Errorf("waiting request: %d %q %v", code, body, err)
	}
	<-destroyed
	if code, _, _, _ := getStatus(url, "s.test"); code != 404 {
		t.Errorf("next request: %d", code)
	}
	select {
	case r := <-w.wakeFailedCh:
		t.Errorf("a destroyed site's wake was recorded as failed: %q", r)
	case <-w.awakeCh:
		t.Error("a destroyed site was marked awake")
	default:
	}
}

// A websocket upgrade to a sleeping site wakes it and is then upgraded.
func TestWebsocketWakesSite(t *testing.T) {
	var p *Proxy
	onWake, _ := scaleUp(t, &p, 50*time.Millisecond, func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		_ = brw.Flush()
	})
	w := newFakeWaker(onWake)
	url, px := newRouterWith(t, Config{Waker: w}, asleep("s"))
	p = px
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	_, _ = io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: s.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	if got := w.wakeCount(); got != 1 {
		t.Errorf("Wake called %d times", got)
	}
}

func equalCounts[K comparable](a, b map[K]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func (ws *wakes) queued() int {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return ws.waiting
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition never met")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestWakesStartInTurn: past Concurrent sites being started, the next
// site's start waits until one of them settles, and its timeout runs from
// its own start.
func TestWakesStartInTurn(t *testing.T) {
	for _, c := range []struct {
		name       string
		concurrent int
		apart      bool // b's start waits for a's to settle
	}{
		{"one at a time", 1, true},
		{"the default lets both start", 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			started := map[string]time.Time{}
			// The sites never bind a port: each wake times out.
			w := newFakeWaker(func(site string) (bool, error) {
				mu.Lock()
				started[site] = time.Now()
				mu.Unlock()
				return true, nil
			})
			const timeout = 300 * time.Millisecond
			url, _ := newRouterWith(t, Config{Waker: w, Wake: WakeConfig{Concurrent: c.concurrent, Timeout: timeout}}, asleep("a"), asleep("b"))
			var wg sync.WaitGroup
			codes := map[string]int{}
			for _, site := range []string{"a", "b"} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					code, _, _, _ := getStatus(url, site+".test")
					mu.Lock()
					codes[site] = code
					mu.Unlock()
				}()
				time.Sleep(20 * time.Millisecond) // a first
			}
			wg.Wait()
			if codes["a"] != 503 || codes["b"] != 503 {
				t.Fatalf("codes %v: both wakes should time out", codes)
			}
			gap := started["b"].Sub(started["a"])
			if apart := gap >= timeout-50*time.Millisecond; apart != c.apart {
				t.Errorf("b started %s after a; waited for a: %v, want %v", gap, apart, c.apart)
			}
		})
	}
}
