package jobs

import (
	"fmt"
	"regexp"
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

var wsgiRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*(:[A-Za-z_][A-Za-z0-9_]*)?$`)

// maxWSGI keeps the target to what a Python dotted path plausibly is.
const maxWSGI = 256

// CheckWSGI reports why s is not a gunicorn "module:callable" target.
func CheckWSGI(s string) error {
	if len(s) > maxWSGI || !wsgiRE.MatchString(s) {
		return fmt.Errorf("wsgi %q must look like \"package.module:callable\"", s)
	}
	return nil
}
