package jobs

import (
	"fmt"
	"net"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"golang.org/x/net/publicsuffix"
)

var domainLabelRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// hexNumberRE is a label that browsers and curl read as part of an IPv4
// address (WHATWG URL "ends in a number": 0x7f.1 is 127.0.0.1).
var hexNumberRE = regexp.MustCompile(`^(0x[0-9a-f]*|[0-9]+)$`)

// platformZones are Consul's and Nomad's DNS domains: a site answering
// for "vault.service.consul" would take traffic meant for the platform.
var platformZones = []string{"consul", "nomad"}

// CheckDomain reports why d cannot be routed to a site, or nil. It is used
// for domains and redirects alike. A leading "*." makes a wildcard that
// matches exactly one more label.
func CheckDomain(d string) error {
	if d != strings.ToLower(d) {
		return fmt.Errorf("domain %q must be lowercase", d)
	}
	wildcard := strings.HasPrefix(d, "*.")
	host := strings.TrimPrefix(d, "*.")
	if net.ParseIP(strings.Trim(host, "[]")) != nil {
		return fmt.Errorf("%q is an IP address; sites are routed by name", d)
	}
	if len(host) == 0 || len(host) > 253 {
		return fmt.Errorf("domain %q must be 1 to 253 characters", d)
	}
	labels := strings.Split(host, ".")
	for _, l := range labels {
		if !domainLabelRE.MatchString(l) {
			return fmt.Errorf("domain %q has an invalid label %q", d, l)
		}
	}
	last := labels[len(labels)-1]
	for _, zone := range platformZones {
		if last == zone {
			return fmt.Errorf("domain %q is in .%s, the platform's own DNS domain", d, zone)
		}
	}
	switch {
	case hexNumberRE.MatchString(last):
		return fmt.Errorf("domain %q ends in a number, which browsers and curl read as an IP address", d)
	case host == "localhost" && !wildcard:
		return fmt.Errorf("%q is this machine's own name", d)
	case len(labels) < 2 && !wildcard:
		return fmt.Errorf("domain %q is a single label; intranet names resolve differently on every network", d)
	case wildcard:
		// A wildcard over a public suffix (*.com, *.co.uk, *.github.io)
		// would claim every site registered under it. An unlisted TLD is
		// a public suffix by the list's default rule, so *.localhost is
		// one too, while *.shop.localhost is not.
		if suffix, _ := publicsuffix.PublicSuffix(host); suffix == host {
			return fmt.Errorf("wildcard %q covers the public suffix %q: every name registered under it", d, host)
		}
	}
	return nil
}

// DomainsOverlap reports whether a request for some host could match both
// a and b: they are equal, or one is a wildcard "*.z" and the other an
// exact name one label under z. Two different wildcards never overlap,
// since each matches exactly one more label.
func DomainsOverlap(a, b string) bool {
	if a == b {
		return true
	}
	wa, wb := strings.HasPrefix(a, "*."), strings.HasPrefix(b, "*.")
	switch {
	case wa && !wb:
		return domainParent(b) == a[2:]
	case wb && !wa:
		return domainParent(a) == b[2:]
	}
	return false
}

// domainParent is what a name sits one label under.
func domainParent(d string) string {
	_, parent, _ := strings.Cut(d, ".")
	return parent
}

// DomainClaims indexes the hosts sites claim, so that every overlap
// (DomainsOverlap) with a new host is found without comparing it with
// every claim.
type DomainClaims struct {
	owner map[string]string // host or wildcard -> site
	// under holds exact names by parent, at most one per site and two
	// sites: one site other than the asker is all a conflict needs.
	under map[string][]DomainClaim
}

// DomainClaim is one host claimed by one site.
type DomainClaim struct{ Host, Site string }

func NewDomainClaims() *DomainClaims {
	return &DomainClaims{owner: map[string]string{}, under: map[string][]DomainClaim{}}
}

// Add records that site claims host; the first claim of a host wins.
func (c *DomainClaims) Add(host, site string) {
	if _, ok := c.owner[host]; !ok {
		c.owner[host] = site
	}
	if strings.HasPrefix(host, "*.") {
		return
	}
	p := domainParent(host)
	for _, cl := range c.under[p] {
		if cl.Site == site {
			return
		}
	}
	if len(c.under[p]) < 2 {
		c.under[p] = append(c.under[p], DomainClaim{host, site})
	}
}

// Conflict returns a claim of another site that overlaps host, if any.
func (c *DomainClaims) Conflict(host, site string) (DomainClaim, bool) {
	if o, ok := c.owner[host]; ok && o != site {
		return DomainClaim{host, o}, true
	}
	if wild, ok := strings.CutPrefix(host, "*."); ok {
		for _, cl := range c.under[wild] {
			if cl.Site != site {
				return cl, true
			}
		}
		return DomainClaim{}, false
	}
	if w := "*." + domainParent(host); domainParent(host) != "" {
		if o, ok := c.owner[w]; ok && o != site {
			return DomainClaim{w, o}, true
		}
	}
	return DomainClaim{}, false
}

func decodeDomains(sb siteBlock, def hcl.Range, lim Limits, s *Site) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if len(sb.Domains) == 0 {
		diags = append(diags, errAt("Missing domains", fmt.Errorf("site %q needs at least one domain to be routed", s.Name), attrRange(sb.Body, "domains", def)))
	}
	if n := len(sb.Domains) + len(sb.Redirects); n > lim.MaxDomains {
		r := itemRange(sb.Body, "domains", lim.MaxDomains, def)
		if lim.MaxDomains >= len(sb.Domains) {
			r = itemRange(sb.Body, "redirects", lim.MaxDomains-len(sb.Domains), def)
		}
		return append(diags, overCount("domains and redirects", n, lim.MaxDomains, "domains", r))
	}
	seen := map[string]bool{}
	for i, d := range sb.Domains {
		if err := CheckDomain(d); err != nil {
			diags = append(diags, errAt("Invalid domain", err, itemRange(sb.Body, "domains", i, def)))
		} else if seen[d] {
			diags = append(diags, errAt("Duplicate domain", fmt.Errorf("domain %q is listed twice", d), itemRange(sb.Body, "domains", i, def)))
		}
		seen[d] = true
	}
	s.Domains = sb.Domains
	for i, d := range sb.Redirects {
		r := itemRange(sb.Body, "redirects", i, def)
		if err := CheckDomain(d); err != nil {
			diags = append(diags, errAt("Invalid redirect", err, r))
		} else if strings.HasPrefix(d, "*.") {
			diags = append(diags, errAt("Invalid redirect", fmt.Errorf("redirect %q: wildcards cannot redirect to one name", d), r))
		} else if seen[d] {
			diags = append(diags, errAt("Duplicate domain", fmt.Errorf("%q is listed twice among domains and redirects", d), r))
		}
		seen[d] = true
	}
	s.Redirects = sb.Redirects
	s.HTTPSOnly = sb.HTTPSOnly != nil && *sb.HTTPSOnly
	return diags
}
