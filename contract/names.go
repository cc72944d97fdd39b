package contract

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

// CheckSiteName reports why name cannot be a site name, or nil. Its errors
// are Invalid.
func CheckSiteName(name string) error {
	switch {
	case name == "":
		return Errorf(Invalid, "site name is empty")
	case len(name) > MaxSiteNameLen:
		return Errorf(Invalid, "site name %q is %d characters; the limit is %d", name, len(name), MaxSiteNameLen)
	case !siteNameRE.MatchString(name):
		return Errorf(Invalid, "site name %q must be lowercase letters, digits and '-', start with a letter and not end with '-'", name)
	case reservedNames[name]:
		return Errorf(Invalid, "site name %q is reserved for the platform", name)
	}
	return nil
}

// Process names become Nomad task group and task names next to "web" and
// part of cron job IDs, so they follow the site name's pattern. A process
// named like the web group's own tasks ("release", "gunicorn") is a group
// of its own and collides with nothing; "alloc" is the directory Nomad
// shares between an allocation's tasks, beside one directory per task, so
// a task of that name would be given the shared directory as its own.
func CheckProcessName(name string) error {
	if !siteNameRE.MatchString(name) {
		return Errorf(Invalid, "process name %q must be a lowercase DNS label", name)
	}
	if name == "alloc" {
		return Errorf(Invalid, "%q is the directory Nomad shares between an allocation's tasks", name)
	}
	return nil
}

// Site uids and gids come from a range of their own, far above the ones
// Debian hands out (below 60000), systemd's dynamic users (61184-65519),
// nobody (65534) and the usual container sub-uid ranges (100000-165535).
const (
	MinUID = 2_000_000
	MaxUID = 2_999_999
)

// CheckUID refuses uids outside the site range, so a bad job can never
// make the launcher hand root or a system account to a site.
func CheckUID(uid int) error {
	if uid < MinUID || uid > MaxUID {
		return fmt.Errorf("uid %d is outside the site range %d-%d", uid, MinUID, MaxUID)
	}
	return nil
}
