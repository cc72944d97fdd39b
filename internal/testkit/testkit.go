// Package testkit holds what several packages' tests share: the test
// tiers (NeedsRoot, NeedsServers), the tools scripts/bootstrap builds, a
// private Postgres and a loop-mounted btrfs per test, small helpers, and
// the hostile inputs more than one test performs an attack with. Only
// tests import it.
package testkit

import (
	"net"
	"testing"
)

// FreeLoopbackPort is a TCP port on 127.0.0.1 that was free a moment ago.
func FreeLoopbackPort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
