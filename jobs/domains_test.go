package jobs

import (
	"strings"
	"testing"
)

func TestCheckDomain(t *testing.T) {
	cases := []struct {
		domain string
		want   string // "" accepts; otherwise a substring of the error
	}{
		{"hello.example.com", ""},
		{"hello.localhost", ""},
		{"*.shop.example.com", ""},
		{"*.hello.localhost", ""},
		{"www.example.co.uk", ""},
		{"xn--bcher-kva.example", ""},
		{"127.0.0.1", "IP address"},
		{"::1", "IP address"},
		{"[::1]", "IP address"},
		{"0x7f.1", "ends in a number"},
		{"example.123", "ends in a number"},
		{"example.0x1f", "ends in a number"},
		{"localhost", "this machine's own name"},
		{"intranet", "single label"},
		{"consul", ".consul"},
		{"vault.service.consul", ".consul"},
		{"*.service.consul", ".consul"},
		{"*.consul", ".consul"},
		{"ui.nomad", ".nomad"},
		{"*.com", "public suffix"},
		{"*.co.uk", "public suffix"},
		{"*.github.io", "public suffix"},
		{"*.localhost", "public suffix"},
		{"*.intranet", "public suffix"},
		{"Hello.example.com", "lowercase"},
		{"a..example.com", "invalid label"},
		{"-a.example.com", "invalid label"},
		{"*.*.example.com", "invalid label"},
		{"a.*.example.com", "invalid label"},
		{"hello.example.com.", "invalid label"},
		{"", "1 to 253"},
		{strings.Repeat("a.", 130) + "com", "1 to 253"},
	}
	for _, c := range cases {
		t.Run(c.domain, func(t *testing.T) {
			err := CheckDomain(c.domain)
			checkErr(t, err, c.want)
		})
	}
}

func TestDomainsOverlap(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{"a.example.com", "a.example.com", true},
		{"a.example.com", "b.example.com", false},
		{"*.example.com", "a.example.com", true},
		{"a.example.com", "*.example.com", true},
		{"*.example.com", "example.com", false},
		{"*.example.com", "a.b.example.com", false},
		{"*.example.com", "*.example.com", true},
		{"*.example.com", "*.a.example.com", false},
	}
	for _, c := range cases {
		t.Run(c.a+" "+c.b, func(t *testing.T) {
			if got := DomainsOverlap(c.a, c.b); got != c.want {
				t.Errorf("DomainsOverlap = %v, want %v", got, c.want)
			}
		})
	}
}

// DomainClaims must find exactly what DomainsOverlap would, against every
// claim of another site.
func TestDomainClaimsAgreesWithOverlap(t *testing.T) {
	claims := []DomainClaim{{"a.x.com", "s1"}, {"b.x.com", "s2"}, {"*.y.com", "s3"}, {"c.y.com", "s3"}, {"x.com", "s4"}}
	c := NewDomainClaims()
	for _, cl := range claims {
		c.Add(cl.Host, cl.Site)
	}
	for _, host := range []string{"a.x.com", "z.x.com", "*.x.com", "d.y.com", "*.y.com", "y.com", "*.com", "q.a.x.com"} {
		for _, site := range []string{"s1", "s2", "s3", "s4", "new"} {
			t.Run(host+" "+site, func(t *testing.T) {
				want := false
				for _, cl := range claims {
					want = want || cl.Site != site && DomainsOverlap(host, cl.Host)
				}
				got, ok := c.Conflict(host, site)
				if ok != want || ok && (got.Site == site || !DomainsOverlap(host, got.Host)) {
					t.Errorf("Conflict = %+v %v, want a conflict: %v", got, ok, want)
				}
			})
		}
	}
}
