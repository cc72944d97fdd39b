package routes

import (
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	tbl, errs := Build([]Site{
		{Name: "a", Domains: []string{"a.example.com", "*.a.example.com"}, Backends: []Backend{{ID: "1", Addr: "127.0.0.1:1"}}, Since: 2},
		{Name: "b", Domains: []string{"b.example.com"}},
		{Name: "c", Domains: []string{"x.a.example.com"}, Backends: []Backend{{ID: "3", Addr: "127.0.0.1:3"}}, Since: 1},
	}, nil)
	if len(errs) != 1 {
		t.Fatalf("x.a.example.com under a's wildcard should be reported as contested: %v", errs)
	}
	cases := []struct {
		host, site string
		found      bool
	}{
		{"a.example.com", "a", true},
		{"A.Example.COM:8080", "a", true},
		{"a.example.com.", "a", true},
		{"www.a.example.com", "a", true},
		{"x.a.example.com", "c", true},   // exact beats wildcard (c's claim is the older)
		{"y.x.a.example.com", "", false}, // wildcard covers one label only
		{"b.example.com", "b", true},
		{"example.com", "", false},
		{"", "", false},
		{"[::1]:80", "", false},
	}
	for _, c := range cases {
		r, ok := tbl.Lookup(c.host)
		if ok != c.found || (ok && r.Site != c.site) {
			t.Errorf("Lookup(%q) = %v,%v; want %q,%v", c.host, r, ok, c.site, c.found)
		}
	}
	if r, _ := tbl.Lookup("b.example.com"); r == nil || len(r.Backends) != 0 {
		t.Error("site without backends should be routed with none")
	}
}

func TestStaticFor(t *testing.T) {
	tbl, _ := Build([]Site{{Name: "a", Domains: []string{"a"}, Static: []Static{
		{Prefix: "/static/", Dir: "/srv/a", Root: "/srv", Base: "a", Sub: "."},
		{Prefix: "/unconfined/", Dir: "/etc"},
	}}}, nil)
	r, _ := tbl.Lookup("a")
	if s, ok := r.StaticFor("/static/app.css"); !ok || s.Dir != "/srv/a" {
		t.Errorf("StaticFor(/static/app.css) = %v, %v", s, ok)
	}
	if _, ok := r.StaticFor("/staticx"); ok {
		t.Error("a prefix must match whole segments")
	}
	if s, ok := r.StaticFor("/unconfined/passwd"); ok {
		t.Errorf("a static dir ConfineStatic never accepted is routed: %+v", s)
	}
}

func TestBuildConflict(t *testing.T) {
	// Source order must not decide who owns a contested domain.
	for _, order := range [][]Site{
		{{Name: "zeta", Domains: []string{"shared.com"}}, {Name: "alpha", Domains: []string{"shared.com"}}},
		{{Name: "alpha", Domains: []string{"shared.com"}}, {Name: "zeta", Domains: []string{"shared.com"}}},
	} {
		tbl, errs := Build(order, nil)
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), `routing it to "alpha"`) {
			t.Errorf("errs = %v", errs)
		}
		if r, _ := tbl.Lookup("shared.com"); r == nil || r.Site != "alpha" {
			t.Errorf("shared.com -> %v, want alpha", r)
		}
	}
}

func TestStorePublish(t *testing.T) {
	s := NewStore()
	if _, ok := s.Load().Lookup("a"); ok {
		t.Fatal("new store routes a host")
	}
	tbl, _ := Build([]Site{{Name: "a", Domains: []string{"a"}}}, nil)
	s.Publish(tbl)
	if _, ok := s.Load().Lookup("a"); !ok {
		t.Fatal("published route not visible")
	}
}

func TestRedirectRoutes(t *testing.T) {
	tbl, errs := Build([]Site{
		{Name: "a", Domains: []string{"new.test", "www.new.test"}, Redirects: []string{"old.test"}, Backends: []Backend{{ID: "1"}}},
		{Name: "b", Domains: []string{"old.test"}},
	}, nil)
	r, ok := tbl.Lookup("old.test")
	if !ok || r.RedirectTo != "new.test" || len(r.Backends) != 0 {
		t.Errorf("old.test -> %+v", r)
	}
	if len(errs) != 1 {
		t.Errorf("a redirect and another site's domain on one host must conflict: %v", errs)
	}
	if r, _ := tbl.Lookup("new.test"); r.RedirectTo != "" {
		t.Errorf("the primary domain redirects: %+v", r)
	}
}

// TestBuildNeverMovesAHostToANewcomer performs domain takeovers through the
// route table: a newcomer whose name sorts first, an exact name under an
// existing wildcard, a wildcard over an existing exact name, and a
// redirect host, each claiming a host another site already serves.
func TestBuildNeverMovesAHostToANewcomer(t *testing.T) {
	victim := Site{Name: "zeta", Domains: []string{"shop.test", "www.shop.test"}, Since: 10}
	type step struct {
		sites   []Site
		restart bool              // build without the previous table
		owners  map[string]string // host -> site ("" for unrouted)
	}
	cases := []struct {
		name  string
		steps []step
	}{{
		name: "newcomer sorting first",
		steps: []step{
			{sites: []Site{victim}, owners: map[string]string{"shop.test": "zeta"}},
			{sites: []Site{victim, {Name: "aaa", Domains: []string{"shop.test"}, Since: 5}},
				owners: map[string]string{"shop.test": "zeta", "www.shop.test": "zeta"}},
		},
	}, {
		name: "owner redeploys while a newcomer contests",
		steps: []step{
			{sites: []Site{victim}, owners: map[string]string{"shop.test": "zeta"}},
			{sites: []Site{victim, {Name: "aaa", Domains: []string{"shop.test"}, Since: 20}}, owners: map[string]string{"shop.test": "zeta"}},
			// Old instances replaced: the victim is now younger than the newcomer.
			{sites: []Site{{Name: "zeta", Domains: victim.Domains, Since: 30}, {Name: "aaa", Domains: []string{"shop.test"}, Since: 20}},
				owners: map[string]string{"shop.test": "zeta"}},
			{sites: []Site{{Name: "zeta", Domains: victim.Domains, Since: 40}, {Name: "aaa", Domains: []string{"shop.test"}, Since: 20}},
				owners: map[string]string{"shop.test": "zeta"}},
		},
	}, {
		name: "after a restart the older claim wins",
		steps: []step{
			{sites: []Site{victim, {Name: "aaa", Domains: []string{"shop.test"}, Since: 20}}, restart: true,
				owners: map[string]string{"shop.test": "zeta"}},
		},
	}, {
		name: "unknown age never outranks a known one",
		steps: []step{
			{sites: []Site{victim, {Name: "aaa", Domains: []string{"shop.test"}}}, restart: true,
				owners: map[string]string{"shop.test": "zeta"}},
		},
	}, {
		name: "exact name under an existing wildcard",
		steps: []step{
			{sites: []Site{{Name: "wild", Domains: []string{"*.shop.example.com"}, Since: 10}},
				owners: map[string]string{"victim.shop.example.com": "wild"}},
			{sites: []Site{{Name: "wild", Domains: []string{"*.shop.example.com"}, Since: 10}, {Name: "aaa", Domains: []string{"victim.shop.example.com"}, Since: 5}},
				owners: map[string]string{"victim.shop.example.com": "wild", "other.shop.example.com": "wild"}},
		},
	}, {
		name: "exact name under a wildcard after a restart",
		steps: []step{
			{sites: []Site{{Name: "wild", Domains: []string{"*.shop.example.com"}, Since: 10}, {Name: "aaa", Domains: []string{"victim.shop.example.com"}, Since: 20}},
				restart: true, owners: map[string]string{"victim.shop.example.com": "wild"}},
			{sites: []Site{{Name: "wild", Domains: []string{"*.shop.example.com"}, Since: 30}, {Name: "aaa", Domains: []string{"victim.shop.example.com"}, Since: 20}},
				restart: true, owners: map[string]string{"victim.shop.example.com": "aaa", "other.shop.example.com": "wild"}},
		},
	}, {
		name: "wildcard over an existing exact name",
		steps: []step{
			{sites: []Site{{Name: "zeta", Domains: []string{"victim.shop.example.com"}, Since: 20}},
				owners: map[string]string{"victim.shop.example.com": "zeta"}},
			{sites: []Site{{Name: "zeta", Domains: []string{"victim.shop.example.com"}, Since: 20}, {Name: "old", Domains: []string{"*.shop.example.com"}, Since: 10}},
				owners: map[string]string{"victim.shop.example.com": "zeta", "other.shop.example.com": "old"}},
		},
	}, {
		name: "redirect host",
		steps: []step{
			{sites: []Site{victim}, owners: map[string]string{"shop.test": "zeta"}},
			{sites: []Site{victim, {Name: "aaa", Domains: []string{"aaa.test"}, Redirects: []string{"www.shop.test"}, Since: 5}},
				owners: map[string]string{"www.shop.test": "zeta", "aaa.test": "aaa"}},
		},
	}, {
		name: "owner gives the host up",
		steps: []step{
			{sites: []Site{victim, {Name: "b", Domains: []string{"shop.test"}, Since: 30}, {Name: "c", Domains: []string{"shop.test"}, Since: 20}},
				owners: map[string]string{"shop.test": "zeta"}},
			{sites: []Site{{Name: "zeta", Domains: []string{"www.shop.test"}, Since: 10}, {Name: "b", Domains: []string{"shop.test"}, Since: 30}, {Name: "c", Domains: []string{"shop.test"}, Since: 20}},
				owners: map[string]string{"shop.test": "c"}},
		},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var prev *Table
			for i, st := range c.steps {
				if st.restart {
					prev = nil
				}
				tbl, _ := Build(st.sites, prev)
				for host, want := range st.owners {
					r, ok := tbl.Lookup(host)
					got := ""
					if ok {
						got = r.Site
					}
					if got != want {
						t.Errorf("step %d: %s -> %q, want %q", i, host, got, want)
					}
				}
				prev = tbl
			}
		})
	}
}

// TestBuildReportsContests keeps conflicts visible whoever wins.
func TestBuildReportsContests(t *testing.T) {
	cases := []struct {
		name  string
		sites []Site
		want  []string
	}{
		{"two domains", []Site{{Name: "a", Domains: []string{"x.test"}, Since: 1}, {Name: "b", Domains: []string{"x.test"}, Since: 2}},
			[]string{`host "x.test" is claimed by sites "a", "b"; routing it to "a"`}},
		{"exact under wildcard", []Site{{Name: "w", Domains: []string{"*.x.test"}, Since: 1}, {Name: "e", Domains: []string{"v.x.test"}, Since: 2}},
			[]string{`host "v.x.test" is claimed by site "e" and covered by site "w"'s wildcard "*.x.test"; routing it to "w"`}},
		{"same site twice", []Site{{Name: "a", Domains: []string{"x.test", "X.test."}, Redirects: []string{"x.test"}}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errs := Build(c.sites, nil)
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// TestRedirectNeverPointsAtAnotherSitesHost: a site that lost its first
// domain redirects to the first one it owns.
func TestRedirectNeverPointsAtAnotherSitesHost(t *testing.T) {
	tbl, _ := Build([]Site{
		{Name: "owner", Domains: []string{"first.test"}, Since: 1},
		{Name: "b", Domains: []string{"first.test", "second.test"}, Redirects: []string{"old.test"}, Since: 2},
		{Name: "c", Domains: []string{"first.test"}, Redirects: []string{"old-c.test"}, Since: 3},
	}, nil)
	if r, ok := tbl.Lookup("old.test"); !ok || r.RedirectTo != "second.test" {
		t.Errorf("old.test -> %+v, want a redirect to second.test", r)
	}
	if r, ok := tbl.Lookup("old-c.test"); ok {
		t.Errorf("old-c.test -> %+v, want unrouted: its site owns none of its domains", r)
	}
}
