package jobs

import (
	"fmt"
	"regexp"
	"strings"
)

// A site name ends up in Nomad job IDs, Consul service names, Unix user
// names, Postgres identifiers and file paths, so it is held to the strictest
// of those: a lowercase DNS label.
var siteNameRE = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$`)

// MaxSiteNameLen keeps "site-" + name within Linux's 32-byte user names.
const MaxSiteNameLen = 32

// reservedNames would collide with services the platform itself registers
// in Consul, or with Unix accounts every Debian machine has.
var reservedNames = map[string]bool{
	"consul": true, "nomad": true, "nomad-client": true, "hostctl": true,
	"router": true, "postgres": true, "root": true, "nobody": true,
}

// CheckSiteName reports why name cannot be a site name, or nil.
func CheckSiteName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("site name is empty")
	case len(name) > MaxSiteNameLen:
		return fmt.Errorf("site name %q is %d characters; the limit is %d", name, len(name), MaxSiteNameLen)
	case !siteNameRE.MatchString(name):
		return fmt.Errorf("site name %q must be lowercase letters, digits and '-', start with a letter and not end with '-'", name)
	case reservedNames[name]:
		return fmt.Errorf("site name %q is reserved for the platform", name)
	}
	return nil
}

var domainLabelRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// CheckDomain reports why d cannot be routed, or nil. A leading "*." makes
// a wildcard that matches exactly one more label.
func CheckDomain(d string) error {
	host := strings.TrimPrefix(d, "*.")
	if d != strings.ToLower(d) {
		return fmt.Errorf("domain %q must be lowercase", d)
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
	if strings.HasPrefix(d, "*.") && len(labels) < 2 {
		return fmt.Errorf("wildcard domain %q must cover at least two labels", d)
	}
	return nil
}

var wsgiRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*(:[A-Za-z_][A-Za-z0-9_]*)?$`)

// CheckWSGI reports why s is not a gunicorn "module:callable" target.
func CheckWSGI(s string) error {
	if !wsgiRE.MatchString(s) {
		return fmt.Errorf("wsgi %q must look like \"package.module:callable\"", s)
	}
	return nil
}
