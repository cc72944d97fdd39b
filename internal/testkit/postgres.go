package testkit

import (
	"os"
	"testing"

	"github.com/hostctl/hostctl/devcluster/pgserver"
)

// NeedsPostgres marks a test that starts a private Postgres server
// (initdb, postgres): skipped under -short (see NeedsServers), run
// otherwise, so a machine without Postgres fails it.
func NeedsPostgres(t testing.TB) {
	t.Helper()
	NeedsServers(t, "a private Postgres server (initdb, postgres)")
}

// Postgres starts a private server (pgserver) for this test alone and
// stops it, by the PID it started, when the test ends.
func Postgres(t testing.TB) *pgserver.Server {
	t.Helper()
	NeedsPostgres(t)
	s, err := pgserver.Start(PostgresDir(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	// Registered after PostgresDir's removal, so it runs first.
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop postgres: %v", err)
		}
	})
	return s
}

// PostgresDir is a new directory for a server's cluster, removed when the
// test ends. Not t.TempDir: as root the server runs as the postgres user,
// which cannot pass t.TempDir's 0700 parent; os.TempDir is world-searchable.
func PostgresDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "hostctl-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
