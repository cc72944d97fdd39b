// Package toolcache locates the pinned Nomad, Consul and Terraform builds
// that scripts/bootstrap installs outside the work tree. The CLI's
// defaults, the benches and the tests all look there, so the rule lives
// once, here, and outside testkit because production code uses it too.
package toolcache

import (
	"fmt"
	"os"
	"path/filepath"
)

// Dir is where bootstrap links the tools: $HOSTCTL_CACHE/bin, else
// <os.UserCacheDir()>/hostctl/bin, which is bootstrap's own
// ${XDG_CACHE_HOME:-$HOME/.cache}/hostctl. With neither HOME nor
// XDG_CACHE_HOME set (a bare systemd unit) it falls back to
// /var/cache/hostctl/bin rather than a path relative to the working
// directory.
func Dir() string {
	if d := os.Getenv("HOSTCTL_CACHE"); d != "" {
		return filepath.Join(d, "bin")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "hostctl", "bin")
	}
	return "/var/cache/hostctl/bin"
}

// Path is where the named tool would be; it may not exist. For defaults
// that the user can override, such as a flag's value.
func Path(name string) string { return filepath.Join(Dir(), name) }

// Find is Path for a tool that must be there, with an error that says how
// to get it.
func Find(name string) (string, error) {
	p := Path(name)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s not found at %s: run scripts/bootstrap first (%w)", name, p, err)
	}
	return p, nil
}
