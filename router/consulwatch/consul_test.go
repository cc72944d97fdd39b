package consulwatch

import (
	"context"
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
	n      int
	errs   int
	ch     chan struct{}
	health error
}

func (p *published) publish(s []routes.Site) {
	p.mu.Lock()
	p.last, p.n = s, p.n+1
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
	w := &Watcher{Client: a.Client, Publish: p.publish, Health: p.report, Settle: 5 * time.Millisecond}
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
	// the failure is reported.
	p.mu.Lock()
	before := p.n
	p.mu.Unlock()
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
