package consulwatch

import (
	"context"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	consul "github.com/hashicorp/consul/api"

	"github.com/hostctl/hostctl/router/internal/consultest"
	"github.com/hostctl/hostctl/router/routes"
)

// published collects what a Watcher publishes.
type published struct {
	mu     sync.Mutex
	last   []routes.Site
	table  *routes.Table // each publish built on the previous table, as the router does
	n      int
	errs   int
	ch     chan struct{}
	health error
}

func (p *published) publish(s []routes.Site) {
	p.mu.Lock()
	p.last, p.n = s, p.n+1
	p.table, _ = routes.Build(s, p.table)
	p.mu.Unlock()
	select {
	case p.ch <- struct{}{}:
	default:
	}
}

func (p *published) report(err error) {
	p.mu.Lock()
	p.health = err
	if err != nil {
		p.errs++
	}
	p.mu.Unlock()
}

// backends returns the addresses routed for site in the last table.
func (p *published) backends(site string) ([]string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.last {
		if s.Name == site {
			var out []string
			for _, b := range s.Backends {
				out = append(out, b.Addr)
			}
			return out, true
		}
	}
	return nil, false
}

// owner is the site the last table routes host to.
func (p *published) owner(host string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.table == nil {
		return ""
	}
	r, ok := p.table.Lookup(host)
	if !ok {
		return ""
	}
	return r.Site
}

// site returns the last published view of one site.
func (p *published) site(name string) (routes.Site, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.last {
		if s.Name == name {
			return s, true
		}
	}
	return routes.Site{}, false
}

// waitFor polls until cond holds; the watcher should converge well within
// the limit (the convergence figure itself is in bench/router).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func startWatcher(t *testing.T, a *consultest.Agent) *published {
	p := &published{ch: make(chan struct{}, 1)}
	// Test instances listen on low ports; trust is tested on its own.
	w := &Watcher{Client: a.Client, Publish: p.publish, Health: p.report, Settle: 5 * time.Millisecond, Ports: anyPort}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return p
}

func TestWatcherFollowsRealConsul(t *testing.T) {
	a := consultest.Start(t)
	a.Register("n1", "hello", "h1", 2001, consul.HealthPassing, nil)
	a.Register("n2", "hello", "h2", 2002, consul.HealthPassing, nil)
	a.Register("n1", "other", "o1", 3001, consul.HealthCritical, nil)
	p := startWatcher(t, a)

	has := func(site string, want ...string) func() bool {
		return func() bool {
			got, ok := p.backends(site)
			slices.Sort(got)
			return ok && slices.Equal(got, want)
		}
	}
	waitFor(t, "both hello instances routed, other with none", func() bool {
		return has("hello", "127.0.0.1:2001", "127.0.0.1:2002")() && has("other")()
	})

	a.SetCheck("n2", "hello", "h2", consul.HealthCritical)
	waitFor(t, "h2 dropped after its check failed", has("hello", "127.0.0.1:2001"))
	a.SetCheck("n2", "hello", "h2", consul.HealthWarning)
	time.Sleep(100 * time.Millisecond)
	if !has("hello", "127.0.0.1:2001")() {
		t.Fatal("a warning check routed the instance")
	}
	a.SetCheck("n2", "hello", "h2", consul.HealthPassing)
	waitFor(t, "h2 back after passing", has("hello", "127.0.0.1:2001", "127.0.0.1:2002"))

	// A new instance arrives with its check critical (as Nomad registers
	// them) and must not be routed before it passes.
	a.Register("n1", "hello", "h3", 2003, consul.HealthCritical, nil)
	time.Sleep(200 * time.Millisecond)
	if !has("hello", "127.0.0.1:2001", "127.0.0.1:2002")() {
		got, _ := p.backends("hello")
		t.Fatalf("unchecked instance routed: %v", got)
	}
	a.SetCheck("n1", "hello", "h3", consul.HealthPassing)
	waitFor(t, "h3 routed once passing", has("hello", "127.0.0.1:2001", "127.0.0.1:2002", "127.0.0.1:2003"))

	a.Deregister("n1", "h1")
	waitFor(t, "h1 gone after deregistration", has("hello", "127.0.0.1:2002", "127.0.0.1:2003"))

	// A failing node check takes every instance on that node out.
	a.Client.Txn().Txn(consul.TxnOps{{Check: &consul.CheckTxnOp{Verb: consul.CheckSet, Check: consul.HealthCheck{
		Node: "n1", CheckID: "serfHealth", Name: "node", Status: consul.HealthCritical}}}}, nil)
	waitFor(t, "n1's instances out with the node failing", has("hello", "127.0.0.1:2002"))

	// Consul gone: the last table stays (no publish of an empty one) and
	// the failure is reported. The count is taken once publishing has
	// gone quiet: a health answer that arrives just after the catalog's
	// can publish the same table once more (a CI run caught that as "a
	// table published while Consul was down").
	count := func() int { p.mu.Lock(); defer p.mu.Unlock(); return p.n }
	before := count()
	for quiet := time.Now(); time.Since(quiet) < 300*time.Millisecond; time.Sleep(20 * time.Millisecond) {
		if n := count(); n != before {
			before, quiet = n, time.Now()
		}
	}
	a.Stop()
	waitFor(t, "the failure reported", func() bool { p.mu.Lock(); defer p.mu.Unlock(); return p.health != nil })
	p.mu.Lock()
	after := p.n
	p.mu.Unlock()
	if after != before {
		t.Errorf("published %d tables while Consul was down", after-before)
	}
	if !has("hello", "127.0.0.1:2002")() {
		t.Error("the last table was lost while Consul was down")
	}
	// A restarted (empty) Consul is believed again once it answers.
	a.Restart()
	a.Register("n9", "fresh", "f1", 4001, consul.HealthPassing, nil)
	waitFor(t, "recovery after Consul came back", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.health == nil
	})
	waitFor(t, "the new catalog published", has("fresh", "127.0.0.1:4001"))
}

// TestContestedHostStaysWithItsOwner performs a takeover against a real
// Consul: a newcomer named to sort first claims a live site's domain, and
// keeps claiming it while the site redeploys (its instances replaced by
// younger ones) and after a router restart.
func TestContestedHostStaysWithItsOwner(t *testing.T) {
	a := consultest.Start(t)
	shop := map[string]string{"hostctl_domains": "shop.test"}
	a.Register("n1", "zeta", "z1", 2001, consul.HealthPassing, shop)
	p := startWatcher(t, a)
	waitFor(t, "zeta routed", func() bool { return p.owner("shop.test") == "zeta" })

	a.Register("n1", "aaa", "a1", 3001, consul.HealthPassing, shop)
	waitFor(t, "the newcomer published", func() bool { _, ok := p.site("aaa"); return ok })
	zeta, _ := p.site("zeta")
	aaa, _ := p.site("aaa")
	if zeta.Since == 0 || aaa.Since <= zeta.Since {
		t.Fatalf("since: zeta %d, aaa %d; want both set from CreateIndex, zeta older", zeta.Since, aaa.Since)
	}
	if got := p.owner("shop.test"); got != "zeta" {
		t.Fatalf("shop.test -> %q after a newcomer claimed it, want zeta", got)
	}

	// A restarted router has no previous table: the older claim wins.
	fresh := startWatcher(t, a)
	waitFor(t, "a restarted router published both", func() bool {
		_, z := fresh.site("zeta")
		_, n := fresh.site("aaa")
		return z && n
	})
	if got := fresh.owner("shop.test"); got != "zeta" {
		t.Errorf("after a restart shop.test -> %q, want zeta (the older claim)", got)
	}

	// zeta redeploys: a new instance beside the old, then the old one goes.
	a.Register("n1", "zeta", "z2", 2002, consul.HealthPassing, shop)
	a.Deregister("n1", "z1")
	waitFor(t, "zeta redeployed", func() bool {
		s, _ := p.site("zeta")
		return len(s.Backends) == 1 && s.Backends[0].Addr == "127.0.0.1:2002"
	})
	zeta, _ = p.site("zeta")
	if zeta.Since <= aaa.Since {
		t.Fatalf("zeta's since %d should now be younger than aaa's %d", zeta.Since, aaa.Since)
	}
	if got := p.owner("shop.test"); got != "zeta" {
		t.Errorf("shop.test -> %q while zeta redeployed, want zeta", got)
	}
}

// TestWatcherFailsOverToAnotherAgent: a router whose own Consul agent is
// dead follows another agent and still learns of changes; without the
// fallback it would learn nothing.
func TestWatcherFailsOverToAnotherAgent(t *testing.T) {
	a := consultest.Start(t)
	a.Register("n1", "hello", "h1", 2001, consul.HealthPassing, nil)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := l.Addr().String()
	l.Close() // nothing listens there now: connects are refused
	dead, err := consul.NewClient(&consul.Config{Address: deadAddr})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		fallbacks []*consul.Client
		routed    bool
	}{
		{"without a fallback nothing is learnt", nil, false},
		{"with one the sites are routed", []*consul.Client{a.Client}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &published{ch: make(chan struct{}, 1)}
			w := &Watcher{Client: dead, Fallbacks: tc.fallbacks, Publish: p.publish, Health: p.report,
				Settle: 5 * time.Millisecond, Ports: anyPort}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { _ = w.Run(ctx); close(done) }()
			defer func() { cancel(); <-done }()
			routed := func() bool { b, ok := p.backends("hello"); return ok && len(b) == 1 }
			if !tc.routed {
				time.Sleep(time.Second)
				if routed() {
					t.Fatal("routed hello without any agent answering")
				}
				return
			}
			waitFor(t, "hello routed through the fallback agent", routed)
			a.Register("n2", "hello", "h2", 2002, consul.HealthPassing, nil)
			waitFor(t, "a new instance learnt through the fallback", func() bool { b, _ := p.backends("hello"); return len(b) == 2 })
		})
	}
}
