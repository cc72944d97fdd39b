package proxy

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hostctl/hostctl/router/routes"
)

// benchRouter routes "b.test" to a minimal keep-alive backend and returns
// the router's address.
func benchRouter(b *testing.B, sites ...routes.Site) string {
	b.Helper()
	be := backendB(b, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	sites = append(sites, routes.Site{Name: "b", Domains: []string{"b.test"}, Backends: []routes.Backend{{ID: "b1", Addr: be}}})
	store := routes.NewStore()
	tbl, _ := routes.Build(sites, nil)
	store.Publish(tbl)
	p := New(store, Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = p.Serve(ln) }()
	b.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}

func backendB(b *testing.B, h http.HandlerFunc) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s := &http.Server{Handler: h}
	go func() { _ = s.Serve(ln) }()
	b.Cleanup(func() { s.Close() })
	return ln.Addr().String()
}

// keepAliveGets sends b.N plain GETs on one connection per goroutine: the
// fast path, end to end over loopback.
func keepAliveGets(b *testing.B, addr string) {
	const req = "GET / HTTP/1.1\r\nHost: b.test\r\n\r\n"
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Error(err)
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		for pb.Next() {
			if _, err := c.Write([]byte(req)); err != nil {
				b.Error(err)
				return
			}
			resp, err := http.ReadResponse(br, nil)
			if err != nil || resp.StatusCode != 200 {
				b.Errorf("%v %v", resp, err)
				return
			}
			var sb strings.Builder
			_, _ = bufio.NewReader(resp.Body).WriteTo(&sb)
			resp.Body.Close()
		}
	})
}

func BenchmarkFastPathGet(b *testing.B) {
	keepAliveGets(b, benchRouter(b))
}

// BenchmarkFastPathGetManySites is the same with a table of 10,000 other
// sites, some asleep, so per-site state (activity) is exercised at scale.
func BenchmarkFastPathGetManySites(b *testing.B) {
	var sites []routes.Site
	for i := range 10000 {
		n := "s" + itoa(i)
		sites = append(sites, routes.Site{Name: n, Domains: []string{n + ".test"}, Asleep: i%2 == 0})
	}
	keepAliveGets(b, benchRouter(b, sites...))
}

func itoa(i int) string {
	var buf [20]byte
	n := len(buf)
	for {
		n--
		buf[n] = byte('0' + i%10)
		if i /= 10; i == 0 {
			return string(buf[n:])
		}
	}
}

// BenchmarkActivitySeen is what recording activity adds to each request,
// with every core on one site (the contended case) and spread over many.
func BenchmarkActivitySeen(b *testing.B) {
	for _, sites := range []int{1, 10000} {
		b.Run(itoa(sites)+" sites", func(b *testing.B) {
			var a activity
			names := make([]string, sites)
			for i := range names {
				names[i] = "s" + itoa(i)
			}
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					a.seen(names[i%sites], time.Now().UnixNano())
					i++
				}
			})
		})
	}
}
