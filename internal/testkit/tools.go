package testkit

import (
	"testing"

	"github.com/hostctl/hostctl/internal/toolcache"
)

// Tool is the path of a tool scripts/bootstrap builds (nomad, consul,
// terraform; see toolcache). A missing one fails the test: there is no
// stand-in for the real thing, and a skip would hide that bootstrap was
// never run. Tests the -short tier leaves out call NeedsServers first.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := toolcache.Find(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// ToolDir is the directory the tools are in, for callers that are handed
// a directory (the dev cluster); it fails the test unless each named tool
// is there.
func ToolDir(t testing.TB, names ...string) string {
	t.Helper()
	for _, name := range names {
		Tool(t, name)
	}
	return toolcache.Dir()
}
