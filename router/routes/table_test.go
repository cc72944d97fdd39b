package routes

import (
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	tbl, errs := Build([]Site{
		{Name: "a", Domains: []string{"a.example.com", "*.a.example.com"}, Backends: []Backend{{ID: "1", Addr: "127.0.0.1:1"}}},
		{Name: "b", Domains: []string{"b.example.com"}},
		{Name: "c", Domains: []string{"x.a.example.com"}, Backends: []Backend{{ID: "3", Addr: "127.0.0.1:3"}}},
	})
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	cases := []struct {
		host, site string
		found      bool
	}{
		{"a.example.com", "a", true},
		{"A.Example.COM:8080", "a", true},
		{"a.example.com.", "a", true},
		{"www.a.example.com", "a", true},
		{"x.a.example.com", "c", true},   // exact beats wildcard
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
	tbl, _ := Build([]Site{{Name: "a", Domains: []string{"a"}, Static: []Static{{Prefix: "/static/", Dir: "/srv/a"}}}})
	r, _ := tbl.Lookup("a")
	if s, ok := r.StaticFor("/static/app.css"); !ok || s.Dir != "/srv/a" {
		t.Errorf("StaticFor(/static/app.css) = %v, %v", s, ok)
	}
	if _, ok := r.StaticFor("/staticx"); ok {
		t.Error("a prefix must match whole segments")
	}
}

func TestBuildConflict(t *testing.T) {
	// Source order must not decide who owns a contested domain.
	for _, order := range [][]Site{
		{{Name: "zeta", Domains: []string{"shared.com"}}, {Name: "alpha", Domains: []string{"shared.com"}}},
		{{Name: "alpha", Domains: []string{"shared.com"}}, {Name: "zeta", Domains: []string{"shared.com"}}},
	} {
		tbl, errs := Build(order)
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
	tbl, _ := Build([]Site{{Name: "a", Domains: []string{"a"}}})
	s.Publish(tbl)
	if _, ok := s.Load().Lookup("a"); !ok {
		t.Fatal("published route not visible")
	}
}

func TestRedirectRoutes(t *testing.T) {
	tbl, errs := Build([]Site{
		{Name: "a", Domains: []string{"new.test", "www.new.test"}, Redirects: []string{"old.test"}, Backends: []Backend{{ID: "1"}}},
		{Name: "b", Domains: []string{"old.test"}},
	})
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
