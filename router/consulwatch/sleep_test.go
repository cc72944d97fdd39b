package consulwatch

import (
	"testing"

	consul "github.com/hashicorp/consul/api"

	"github.com/hostctl/hostctl/contract"
)

// markerOf is a sleep marker as the sleep package registers it: no
// address, no port, the site's usual meta plus when it fell asleep.
func markerOf(site string, create uint64, meta map[string]string) *consul.AgentService {
	m := map[string]string{contract.MetaAsleep: "2025-01-02T03:04:05Z", contract.MetaCounts: "web=2"}
	for k, v := range meta {
		m[k] = v
	}
	return &consul.AgentService{ID: "asleep-" + site, Service: site, Tags: []string{contract.ServiceTag, "asleep.test"},
		Meta: m, CreateIndex: create}
}

func TestSleepMarkers(t *testing.T) {
	siteMeta := map[string]string{contract.MetaDomains: "asleep.test,www.asleep.test", contract.MetaRedirects: "old.test",
		contract.MetaStatic: "/static/=/srv/asleep/static", contract.MetaHTTPS: contract.HTTPSRedirect, contract.MetaSleepAfter: "900"}
	instance := func(id string, port int) *consul.AgentService {
		return &consul.AgentService{ID: id, Service: "asleep", Port: port, Meta: siteMeta, CreateIndex: 40}
	}
	type node struct {
		name, addr string
		services   []*consul.AgentService
	}
	cases := []struct {
		name         string
		nodes        []node
		failing      map[instanceKey]bool
		wantSite     bool
		wantAsleep   bool
		wantBackends []string
		wantStarting []string
	}{
		{name: "marker alone: routed, asleep, no backend",
			nodes:    []node{{contract.SleepNode, "", []*consul.AgentService{markerOf("asleep", 7, siteMeta)}}},
			wantSite: true, wantAsleep: true},
		{name: "waking: marker and an instance whose check is still critical",
			nodes: []node{{contract.SleepNode, "", []*consul.AgentService{markerOf("asleep", 7, siteMeta)}},
				{"n1", "10.0.0.1", []*consul.AgentService{instance("w1", 24000)}}},
			failing:  map[instanceKey]bool{{"n1", "w1"}: true},
			wantSite: true, wantAsleep: true, wantStarting: []string{"10.0.0.1:24000"}},
		{name: "awake before the marker left: the passing instance is a backend",
			nodes: []node{{contract.SleepNode, "", []*consul.AgentService{markerOf("asleep", 7, siteMeta)}},
				{"n1", "10.0.0.1", []*consul.AgentService{instance("w1", 24000)}}},
			wantSite: true, wantAsleep: true, wantBackends: []string{"10.0.0.1:24000"}},
		{name: "marker on an ordinary node is ignored whole",
			nodes:    []node{{"n1", "10.0.0.1", []*consul.AgentService{markerOf("asleep", 7, siteMeta)}}},
			wantSite: false},
		{name: "a marker with an address and port off the sleep node makes no backend",
			nodes: []node{{"n1", "10.0.0.1", []*consul.AgentService{func() *consul.AgentService {
				m := markerOf("asleep", 7, siteMeta)
				m.Address, m.Port = "10.0.0.1", 24000
				return m
			}()}}},
			wantSite: false},
		{name: "a service on the sleep node without the asleep meta is ignored",
			nodes: []node{{contract.SleepNode, "10.9.9.9", []*consul.AgentService{
				{ID: "evil", Service: "asleep", Address: "10.9.9.9", Port: 24000, Meta: siteMeta, CreateIndex: 3}}}},
			wantSite: false},
		{name: "a marker with an address and port on the sleep node still makes no backend",
			nodes: []node{{contract.SleepNode, "127.0.0.1", []*consul.AgentService{func() *consul.AgentService {
				m := markerOf("asleep", 7, siteMeta)
				m.Address, m.Port = "127.0.0.1", 4646
				return m
			}()}}},
			wantSite: true, wantAsleep: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newView()
			names := map[string]bool{}
			for _, n := range c.nodes {
				names[n.name] = true
			}
			v.setNodes(names)
			for _, n := range c.nodes {
				v.setServices(n.name, n.addr, n.services)
			}
			f := c.failing
			if f == nil {
				f = map[instanceKey]bool{}
			}
			// The marker's own check is "warning": it must not matter.
			f[instanceKey{contract.SleepNode, "asleep-asleep"}] = true
			v.setHealth(failing{nodes: map[string]bool{}, instances: f}, 100)
			sites, ready := v.sites()
			if !ready {
				t.Fatal("not ready")
			}
			if !c.wantSite {
				if len(sites) != 0 {
					t.Fatalf("sites = %+v, want none", sites)
				}
				return
			}
			if len(sites) != 1 {
				t.Fatalf("sites = %+v, want one", sites)
			}
			s := sites[0]
			var backends, starting []string
			for _, b := range s.Backends {
				backends = append(backends, b.Addr)
			}
			for _, b := range s.Starting {
				starting = append(starting, b.Addr)
			}
			if s.Asleep != c.wantAsleep || !equal(backends, c.wantBackends) || !equal(starting, c.wantStarting) {
				t.Errorf("asleep=%v backends=%v starting=%v, want %v %v %v", s.Asleep, backends, starting, c.wantAsleep, c.wantBackends, c.wantStarting)
			}
			if !equal(s.Domains, []string{"asleep.test", "www.asleep.test"}) || !equal(s.Redirects, []string{"old.test"}) ||
				!s.HTTPSOnly || len(s.Static) != 1 || s.Since != 7 {
				t.Errorf("the marker's meta was not read as the site's: %+v", s)
			}
		})
	}
}

// Instances that are registered but not passing are kept as Starting, so a
// waking site can be served as soon as one accepts; untrusted ones are not.
func TestStartingInstances(t *testing.T) {
	v := newView()
	v.setNodes(map[string]bool{"n1": true})
	meta := map[string]string{contract.MetaDomains: "s.test"}
	v.setServices("n1", "10.0.0.1", []*consul.AgentService{
		{ID: "ok", Service: "s", Port: 24001, Meta: meta, CreateIndex: 5},
		{ID: "critical", Service: "s", Port: 24002, Meta: meta, CreateIndex: 5},
		{ID: "new", Service: "s", Port: 24003, Meta: meta, CreateIndex: 50}, // newer than the health answer
		{ID: "untrusted", Service: "s", Port: 4646, Meta: meta, CreateIndex: 5},
	})
	v.setHealth(failing{nodes: map[string]bool{}, instances: map[instanceKey]bool{{"n1", "critical"}: true, {"n1", "untrusted"}: true}}, 10)
	sites, _ := v.sites()
	if len(sites) != 1 {
		t.Fatalf("sites = %+v", sites)
	}
	s := sites[0]
	if len(s.Backends) != 1 || s.Backends[0].Addr != "10.0.0.1:24001" || s.Asleep {
		t.Errorf("backends = %+v asleep=%v", s.Backends, s.Asleep)
	}
	if len(s.Starting) != 2 || s.Starting[0].Addr != "10.0.0.1:24002" || s.Starting[1].Addr != "10.0.0.1:24003" {
		t.Errorf("starting = %+v, want the critical and the new instance", s.Starting)
	}
}
