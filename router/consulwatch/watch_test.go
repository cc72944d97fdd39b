package consulwatch

import (
	"testing"

	consul "github.com/hashicorp/consul/api"

	"github.com/hostctl/hostctl/contract"
)

func svc(id string, port int, create uint64, meta map[string]string) *consul.AgentService {
	return &consul.AgentService{ID: id, Service: "hello", Address: "127.0.0.1", Port: port, Meta: meta,
		CreateIndex: create}
}

func TestSitesJoinsCatalogAndHealth(t *testing.T) {
	v := newView()
	v.ports = anyPort
	if _, ready := v.sites(); ready {
		t.Fatal("ready before any answer")
	}
	v.setNodes(map[string]bool{"n1": true, "n2": true})
	meta := map[string]string{contract.MetaDomains: "www.hello.test,hello.test", contract.MetaStatic: "/static/=/srv/s,bad=/x", contract.MetaRedirects: "old.test"}
	v.setServices("n1", "127.0.0.1", []*consul.AgentService{
		svc("a", 1, 10, meta),
		svc("b", 2, 10, map[string]string{contract.MetaDomains: "hello.test,extra.test"}),
		svc("c", 3, 50, meta), // newer than the health answer below
		svc("d", 4, 10, meta), // its check fails
	})
	v.setHealth(failing{nodes: map[string]bool{}, instances: map[instanceKey]bool{{"n1", "d"}: true}}, 20)
	if _, ready := v.sites(); ready {
		t.Fatal("ready before node n2 answered")
	}
	noAddr := svc("e", 5, 7, nil) // the oldest instance, on another node
	noAddr.Address = ""
	v.setServices("n2", "10.0.0.2", []*consul.AgentService{noAddr})
	sites, ready := v.sites()
	if !ready || len(sites) != 1 {
		t.Fatalf("sites = %+v, ready %v", sites, ready)
	}
	s := sites[0]
	if s.Since != 7 {
		t.Errorf("since = %d, want 7: the smallest CreateIndex of any registered instance", s.Since)
	}
	if got, want := s.Domains, []string{"www.hello.test", "hello.test", "extra.test"}; !equal(got, want) {
		t.Errorf("domains = %v, want %v", got, want)
	}
	if len(s.Static) != 1 || s.Static[0].Prefix != "/static/" || s.Static[0].Dir != "/srv/s" {
		t.Errorf("static = %+v", s.Static)
	}
	var addrs []string
	for _, b := range s.Backends {
		addrs = append(addrs, b.Addr)
	}
	// c is held back (health answer too old), d fails, e takes its node's address.
	if want := []string{"127.0.0.1:1", "127.0.0.1:2", "10.0.0.2:5"}; !equal(addrs, want) {
		t.Errorf("backends = %v, want %v", addrs, want)
	}

	v.setHealth(failing{nodes: map[string]bool{"n1": true}, instances: map[instanceKey]bool{}}, 60)
	sites, _ = v.sites()
	if len(sites[0].Backends) != 1 || sites[0].Backends[0].Addr != "10.0.0.2:5" {
		t.Errorf("with node n1 failing, backends = %+v", sites[0].Backends)
	}

	v.setNodes(map[string]bool{"n2": true})
	sites, _ = v.sites()
	if len(sites) != 1 || len(sites[0].Domains) != 0 {
		t.Errorf("after n1 left: %+v", sites)
	}
}

// TestParseStaticIsStrict feeds crafted hostctl_static values: extra pairs
// smuggled in through ',' and '=', relative or unclean dirs, and prefixes
// that do not delimit a path.
func TestParseStaticIsStrict(t *testing.T) {
	cases := []struct {
		name, meta string
		want       []string // prefix=dir kept
	}{
		{"plain", "/static/=/srv/a/static,/media/=/m/sites/a", []string{"/static/=/srv/a/static", "/media/=/m/sites/a"}},
		{"equals smuggled into the dir", "/static/=/srv/a=/etc", nil},
		{"pair smuggled after a comma", "/static/=/srv/a/static,/x/=/etc", []string{"/static/=/srv/a/static", "/x/=/etc"}},
		{"relative dir", "/static/=etc", nil},
		{"unclean dir", "/static/=/srv/a/../b", nil},
		{"trailing slash", "/static/=/srv/a/", nil},
		{"space around", " /static/=/srv/a", nil},
		{"control char", "/static/=/srv/a\x01", nil},
		{"prefix without slashes", "static=/srv/a", nil},
		{"prefix walking up", "/../=/srv/a", nil},
		{"empty dir", "/static/=", nil},
		{"no equals", "/static/", nil},
		{"empty", "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, st := range parseStatic(c.meta) {
				got = append(got, st.Prefix+"="+st.Dir)
			}
			if !equal(got, c.want) {
				t.Errorf("parseStatic(%q) = %q, want %q", c.meta, got, c.want)
			}
		})
	}
}

func TestNewFailing(t *testing.T) {
	f := newFailing(consul.HealthChecks{
		{Node: "n1", CheckID: "serfHealth", Status: consul.HealthCritical},
		{Node: "n2", ServiceID: "s", Status: consul.HealthWarning},
		{Node: "n2", ServiceID: "p", Status: consul.HealthPassing},
	})
	if !f.nodes["n1"] || !f.instances[instanceKey{"n2", "s"}] || f.instances[instanceKey{"n2", "p"}] || len(f.nodes) != 1 {
		t.Errorf("failing = %+v", f)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestResetIndex(t *testing.T) {
	for _, c := range []struct{ prev, next, want uint64 }{{0, 5, 5}, {5, 9, 9}, {9, 3, 0}, {4, 0, 1}, {0, 0, 1}} {
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

var anyPort = PortRange{Min: 1, Max: 65535}

// A registration hostctl could not have made — another address than its
// node's, a port outside Nomad's dynamic range (the Nomad or Consul API,
// say) — is never routed, nor do its domains count, whoever managed to
// register it.
func TestUntrustedInstancesAreNotRouted(t *testing.T) {
	for _, c := range []struct {
		name    string
		addr    string
		port    int
		trusted bool
	}{
		{"nomad's address on its node", "", 24001, true},
		{"the node's own address", "10.0.0.5", 24001, true},
		{"the Nomad API", "", 4646, false},
		{"the Consul API", "10.0.0.5", 8500, false},
		{"just below the range", "", 19999, false},
		{"just above the range", "", 32001, false},
		{"another host", "10.0.0.99", 24001, false},
		{"loopback on a non-loopback node", "127.0.0.1", 24001, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := newView()
			v.setNodes(map[string]bool{"n1": true})
			v.setServices("n1", "10.0.0.5", []*consul.AgentService{{ID: "x1", Service: "victim", Address: c.addr, Port: c.port,
				Tags: []string{"hostctl"}, Meta: map[string]string{contract.MetaDomains: "victim.example.com,extra.example.com"}}})
			v.setHealth(failing{}, 1)
			sites, ready := v.sites()
			if !ready {
				t.Fatal("not ready")
			}
			routed := len(sites) == 1 && len(sites[0].Backends) == 1
			if routed != c.trusted {
				t.Errorf("%s:%d routed=%v, want %v (sites %+v)", c.addr, c.port, routed, c.trusted, sites)
			}
			if !c.trusted && len(sites) != 0 {
				t.Errorf("an untrusted registration still brought its domains: %+v", sites)
			}
		})
	}
}
