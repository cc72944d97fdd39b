package consulwatch

import (
	"testing"

	consul "github.com/hashicorp/consul/api"
)

func entry(id, addr string, port int, status string, domains string) *consul.ServiceEntry {
	return &consul.ServiceEntry{
		Node:    &consul.Node{Address: "10.0.0.1"},
		Service: &consul.AgentService{ID: id, Address: addr, Port: port, Meta: map[string]string{metaDomains: domains}},
		Checks: consul.HealthChecks{
			{CheckID: "serfHealth", Status: consul.HealthPassing},
			{CheckID: id + "-http", Status: status},
		},
	}
}

func TestToSite(t *testing.T) {
	s := toSite("hello", []*consul.ServiceEntry{
		entry("b", "127.0.0.1", 2002, consul.HealthPassing, "www.hello.localhost,hello.localhost"),
		entry("a", "", 2001, consul.HealthPassing, "www.hello.localhost"),
		entry("c", "127.0.0.1", 2003, consul.HealthCritical, "hello.localhost"),
		entry("d", "127.0.0.1", 2004, consul.HealthWarning, "hello.localhost"),
	})
	if s.Name != "hello" {
		t.Errorf("name = %q", s.Name)
	}
	// Spec order is kept: the first domain is where redirects point.
	if got := len(s.Domains); got != 2 || s.Domains[0] != "www.hello.localhost" || s.Domains[1] != "hello.localhost" {
		t.Errorf("domains = %v", s.Domains)
	}
	// Only fully passing instances are routed; the node address fills in a
	// service registered without one.
	if len(s.Backends) != 2 || s.Backends[0].Addr != "10.0.0.1:2001" || s.Backends[1].Addr != "127.0.0.1:2002" {
		t.Errorf("backends = %+v", s.Backends)
	}
}

func TestToSiteNoneHealthy(t *testing.T) {
	s := toSite("x", []*consul.ServiceEntry{entry("a", "127.0.0.1", 1, consul.HealthCritical, "x.test")})
	if len(s.Backends) != 0 || len(s.Domains) != 1 {
		t.Errorf("site = %+v; want its domain kept and no backends (so it answers 503)", s)
	}
}

func TestResetIndex(t *testing.T) {
	for _, c := range []struct{ prev, next, want uint64 }{{0, 5, 5}, {5, 9, 9}, {9, 3, 0}, {4, 0, 0}} {
		if got := resetIndex(c.prev, c.next); got != c.want {
			t.Errorf("resetIndex(%d,%d) = %d, want %d", c.prev, c.next, got, c.want)
		}
	}
}

func TestBackoffBounded(t *testing.T) {
	b := newBackoff()
	for range 20 {
		if d := b.next(); d <= 0 || d > maxBackoff {
			t.Fatalf("backoff %s out of (0, %s]", d, maxBackoff)
		}
	}
	b.reset()
	if d := b.next(); d > minBackoff {
		t.Errorf("after reset: %s > %s", d, minBackoff)
	}
}
