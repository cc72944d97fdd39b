package deploy

import (
	"slices"
	"testing"

	"github.com/hostctl/hostctl/jobs"
)

func TestDomainConflicts(t *testing.T) {
	claims := map[string]string{
		"shop.example.com":     "shop",
		"old.example.com":      "shop", // a redirect: claimed like a domain
		"*.blog.example.com":   "blog",
		"docs.example.org":     "docs",
		"*.wiki.example.org":   "wiki",
		"api.wiki.example.org": "wiki",
	}
	site := func(name string, domains []string, redirects ...string) jobs.Site {
		return jobs.Site{Name: name, Domains: domains, Redirects: redirects}
	}
	cases := []struct {
		name string
		site jobs.Site
		want []string
	}{
		{"new names", site("new", []string{"new.example.com", "*.new.example.com"}), nil},
		{"same name", site("evil", []string{"shop.example.com"}),
			[]string{"shop.example.com (wanted by evil) belongs to site shop"}},
		{"another site's redirect", site("evil", []string{"old.example.com"}),
			[]string{"old.example.com (wanted by evil) belongs to site shop"}},
		{"redirect to a claimed name", site("evil", []string{"evil.example.com"}, "docs.example.org"),
			[]string{"docs.example.org (wanted by evil) belongs to site docs"}},
		{"name under a wildcard", site("evil", []string{"a.blog.example.com"}),
			[]string{"a.blog.example.com (wanted by evil) overlaps *.blog.example.com of site blog"}},
		{"two labels under a wildcard", site("deep", []string{"a.b.blog.example.com"}), nil},
		{"the wildcard's own apex", site("apex", []string{"blog.example.com"}), nil},
		{"wildcard over a name", site("evil", []string{"*.example.com"}),
			[]string{"*.example.com (wanted by evil) overlaps old.example.com of site shop"}},
		{"same wildcard", site("evil", []string{"*.blog.example.com"}),
			[]string{"*.blog.example.com (wanted by evil) belongs to site blog"}},
		{"wildcard one level up", site("up", []string{"*.example.net"}), nil},
		{"a site keeps its own", site("wiki", []string{"*.wiki.example.org", "api.wiki.example.org", "new.wiki.example.org"}), nil},
		{"every host is checked", site("evil", []string{"fine.example.net", "x.wiki.example.org"}, "shop.example.com"),
			[]string{"x.wiki.example.org (wanted by evil) overlaps *.wiki.example.org of site wiki", "shop.example.com (wanted by evil) belongs to site shop"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := domainConflicts(claims, []jobs.Site{c.site}); !slices.Equal(got, c.want) {
				t.Errorf("conflicts = %q, want %q", got, c.want)
			}
		})
	}
}
