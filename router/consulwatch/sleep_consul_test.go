package consulwatch

import (
	"testing"

	consul "github.com/hashicorp/consul/api"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/router/internal/consultest"
)

// A site's sleep and wake against a real Consul: the marker alone routes
// it asleep, a woken instance shows as starting then as a backend, and the
// marker leaving ends the sleep.
func TestSleepMarkerInRealConsul(t *testing.T) {
	a := consultest.Start(t)
	meta := map[string]string{contract.MetaDomains: "nap.test", contract.MetaAsleep: "2025-01-02T03:04:05Z", contract.MetaCounts: "web=1"}
	if _, err := a.Client.Catalog().Register(&consul.CatalogRegistration{Node: contract.SleepNode, Address: "127.0.0.1",
		Service: &consul.AgentService{ID: "asleep-nap", Service: "nap", Tags: []string{contract.ServiceTag, "nap.test"}, Meta: meta},
		Check: &consul.AgentCheck{Node: contract.SleepNode, CheckID: "asleep-nap", Name: contract.AsleepCheckName,
			Status: consul.HealthWarning, ServiceID: "asleep-nap", Output: "asleep since 2025-01-02T03:04:05Z"}}, nil); err != nil {
		t.Fatal(err)
	}
	p := startWatcher(t, a)
	state := func(asleep bool, starting, backends int) func() bool {
		return func() bool {
			s, ok := p.site("nap")
			return ok && s.Asleep == asleep && len(s.Starting) == starting && len(s.Backends) == backends &&
				p.owner("nap.test") == "nap"
		}
	}
	waitFor(t, "the marker routes the site asleep, with no backend", state(true, 0, 0))
	a.Register("n1", "nap", "w1", 2001, consul.HealthCritical, map[string]string{contract.MetaDomains: "nap.test"})
	waitFor(t, "the woken instance starting", state(true, 1, 0))
	a.SetCheck("n1", "nap", "w1", consul.HealthPassing)
	waitFor(t, "the instance a backend", state(true, 0, 1))
	if _, err := a.Client.Catalog().Deregister(&consul.CatalogDeregistration{Node: contract.SleepNode, ServiceID: "asleep-nap"}, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "awake once the marker left", state(false, 0, 1))
}
