package postgres_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hostctl/hostctl/devcluster/pgserver"
	"github.com/hostctl/hostctl/internal/testkit"
	"github.com/hostctl/hostctl/provisioner/postgres"
)

// srv is shared: initdb costs seconds, and every test uses its own site
// names so they cannot see each other's state. Tests reach it through
// server.
var srv *pgserver.Server

func TestMain(m *testing.M) { os.Exit(runWithServer(m)) }

// runWithServer starts the shared server unless -short asks for the tests
// that need no Postgres only. Without -short a machine lacking initdb
// fails the run, as a missing dependency should.
func runWithServer(m *testing.M) int {
	flag.Parse() // testing.Short reads the parsed flags
	if testing.Short() {
		return m.Run()
	}
	// os.MkdirTemp rather than t.TempDir: the postgres user must be able to
	// reach the directory, and /tmp is world-searchable.
	dir, err := os.MkdirTemp("", "hostctl-pg-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	s, err := pgserver.Start(dir, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "start test server:", err)
		return 1
	}
	srv = s
	code := m.Run()
	if err := s.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop test server:", err)
		return 1
	}
	return code
}

// server is the shared server; under -short, when TestMain started none,
// it skips the test.
func server(t testing.TB) *pgserver.Server {
	t.Helper()
	testkit.NeedsPostgres(t)
	return srv
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func newAdmin(t *testing.T) *postgres.Admin {
	t.Helper()
	a, err := postgres.Connect(testContext(t), server(t).AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

// superuser gives tests their own view of the server, independent of the
// code under test, to check what it did.
func superuser(t *testing.T) *pgxpool.Pool {
	t.Helper()
	p, err := pgxpool.New(testContext(t), server(t).AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// newSite provisions a site and removes it when the test ends.
func newSite(t *testing.T, a *postgres.Admin, site string, opt postgres.Options) postgres.Credentials {
	t.Helper()
	cred, err := a.EnsureSite(testContext(t), site, opt)
	if err != nil {
		t.Fatalf("EnsureSite(%s): %v", site, err)
	}
	t.Cleanup(func() {
		if err := a.DropSite(context.Background(), site); err != nil {
			t.Errorf("DropSite(%s): %v", site, err)
		}
	})
	return cred
}

func connectAs(ctx context.Context, cred postgres.Credentials) (*pgx.Conn, error) {
	return pgx.Connect(ctx, postgres.URL("127.0.0.1", srv.Port, cred)+"?sslmode=disable")
}

func mustConnectAs(t *testing.T, cred postgres.Credentials) *pgx.Conn {
	t.Helper()
	conn, err := connectAs(testContext(t), cred)
	if err != nil {
		t.Fatalf("connect as %s to %s: %v", cred.Role, cred.Database, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

const (
	insufficientPrivilege = "42501"
	invalidPassword       = "28P01"
	tooManyConnections    = "53300"
)
