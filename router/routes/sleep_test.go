package routes

import "testing"

// A sleeping site keeps its hosts: it has no backends, but the proxy must
// still find it to wake it, and no newcomer may take its domains meanwhile.
func TestAsleepSiteKeepsItsHosts(t *testing.T) {
	asleep := Site{Name: "old", Domains: []string{"old.test", "*.old.test"}, Redirects: []string{"www.old.test"}, Asleep: true, Since: 5,
		Starting: []Backend{{ID: "s1", Addr: "127.0.0.1:2"}}}
	newcomer := Site{Name: "new", Domains: []string{"old.test"}, Backends: []Backend{{ID: "n1", Addr: "127.0.0.1:1"}}, Since: 9}
	first, _ := Build([]Site{asleep}, nil)
	cases := []struct {
		name string
		prev *Table
	}{
		{"owned in the previous table", first},
		{"after a restart, by age (the marker's CreateIndex)", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tbl, _ := Build([]Site{newcomer, asleep}, c.prev)
			r, ok := tbl.Lookup("old.test")
			if !ok || r.Site != "old" || !r.Asleep || len(r.Backends) != 0 {
				t.Fatalf("old.test = %+v, %v; want the sleeping site", r, ok)
			}
			if len(r.Starting) != 1 || r.Starting[0].Addr != "127.0.0.1:2" {
				t.Errorf("starting = %+v", r.Starting)
			}
			if w, _ := tbl.Lookup("x.old.test"); w != r {
				t.Errorf("wildcard = %+v", w)
			}
			if rd, _ := tbl.Lookup("www.old.test"); rd == nil || rd.RedirectTo != "old.test" {
				t.Errorf("redirect = %+v", rd)
			}
			if s, ok := tbl.Site("old"); !ok || s != r {
				t.Errorf("Site(old) = %+v, %v", s, ok)
			}
		})
	}
}

func TestSiteFindsOnlyOwnRoutes(t *testing.T) {
	tbl, _ := Build([]Site{
		{Name: "a", Domains: []string{"a.test"}, Since: 1},
		{Name: "lost", Domains: []string{"a.test"}, Since: 99}, // owns nothing
		{Name: "r", Redirects: []string{"r.test"}},             // a redirect alone is not routed
	}, nil)
	for _, c := range []struct {
		name string
		ok   bool
	}{{"a", true}, {"lost", false}, {"r", false}, {"none", false}} {
		t.Run(c.name, func(t *testing.T) {
			if _, ok := tbl.Site(c.name); ok != c.ok {
				t.Errorf("Site(%q) found=%v, want %v", c.name, ok, c.ok)
			}
		})
	}
}
