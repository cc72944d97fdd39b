package testkit

import (
	"os"
	"testing"
)

// The test tiers. `go test -short ./...` is the fast loop: it runs every
// test that needs no root, no server and no cluster, and skips the rest
// with the reason. Without -short a missing prerequisite fails the test,
// so the full test command can never pass by skipping.

// NeedsRoot marks a test that must run as root (it changes owners, drops
// privileges, mounts): skipped under -short, failed as anyone else.
func NeedsRoot(t testing.TB, why string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("-short: needs root (%s)", why)
	}
	if os.Geteuid() != 0 {
		t.Fatalf("needs root (%s): run the tests as root, or with -short to skip it", why)
	}
}

// NeedsServers marks a test that starts real servers or a cluster:
// skipped under -short.
func NeedsServers(t testing.TB, what string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("-short: starts %s", what)
	}
}
