package routes

import (
	"slices"
	"testing"
)

// TestInstanceStatic: a route keeps its site's instance-served prefixes,
// and narrowing it to the static servers keeps only the instances that
// advertise one, each addressed at its static server.
func TestInstanceStatic(t *testing.T) {
	site := Site{Name: "a", Domains: []string{"a.test"}, InstanceStatic: []string{"/static/", "/assets/"},
		Backends: []Backend{{ID: "n/1", Addr: "10.0.0.1:20001", StaticAddr: "10.0.0.1:20002"}, {ID: "n/2", Addr: "10.0.0.1:20003"}}}
	tbl, errs := Build([]Site{site}, nil)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	r, ok := tbl.Lookup("a.test")
	if !ok {
		t.Fatal("no route")
	}
	for _, c := range []struct {
		path string
		want bool
	}{
		{"/static/app.css", true},
		{"/assets/x/y.js", true},
		{"/static", false},
		{"/", false},
		{"/admin/static/x", false},
	} {
		t.Run(c.path, func(t *testing.T) {
			if got := r.InstanceStaticFor(c.path); got != c.want {
				t.Errorf("InstanceStaticFor(%q) = %v, want %v", c.path, got, c.want)
			}
		})
	}
	sr := r.StaticServers()
	if sr == nil || sr.Site != "a" || !slices.Equal(sr.Backends, []Backend{{ID: "n/1/static", Addr: "10.0.0.1:20002"}}) {
		t.Errorf("static servers = %+v", sr)
	}
	site.Backends = site.Backends[1:]
	tbl, _ = Build([]Site{site}, nil)
	if r, _ := tbl.Lookup("a.test"); r.StaticServers() != nil {
		t.Error("a route whose instances run no static server was narrowed to none instead of nil")
	}
}
