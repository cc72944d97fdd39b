package toolcache_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hostctl/hostctl/internal/toolcache"
)

func TestDir(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		cache, xdg, home, want string
	}{
		{"HOSTCTL_CACHE wins", "/opt/hc", "/xdg", "/home/u", "/opt/hc/bin"},
		{"XDG_CACHE_HOME", "", "/xdg", "/home/u", "/xdg/hostctl/bin"},
		{"HOME", "", "", "/home/u", "/home/u/.cache/hostctl/bin"},
		{"neither", "", "", "", "/var/cache/hostctl/bin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("HOSTCTL_CACHE", tc.cache)
			t.Setenv("XDG_CACHE_HOME", tc.xdg)
			t.Setenv("HOME", tc.home)
			if got := toolcache.Dir(); got != tc.want {
				t.Errorf("Dir() = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestFind(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("HOSTCTL_CACHE", cache)
	if err := os.MkdirAll(filepath.Join(cache, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cache, "bin", "nomad"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, tool string
		found      bool
	}{
		{"present", "nomad", true},
		{"missing", "consul", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := toolcache.Find(tc.tool)
			switch {
			case tc.found && (err != nil || p != filepath.Join(cache, "bin", tc.tool)):
				t.Errorf("Find(%s) = %q, %v", tc.tool, p, err)
			case !tc.found && (err == nil || !strings.Contains(err.Error(), "scripts/bootstrap")):
				t.Errorf("Find(%s) = %q, %v; want an error naming scripts/bootstrap", tc.tool, p, err)
			}
		})
	}
}
