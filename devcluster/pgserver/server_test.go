package pgserver_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hostctl/hostctl/devcluster/pgserver"
	"github.com/hostctl/hostctl/internal/testkit"
	"github.com/hostctl/hostctl/provisioner/postgres"
)

func TestServerAcceptsOnlySCRAM(t *testing.T) {
	s := testkit.Postgres(t)
	ctx := testContext(t)
	conn, err := pgx.Connect(ctx, s.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, `SELECT DISTINCT auth_method FROM pg_hba_file_rules`)
	if err != nil {
		t.Fatal(err)
	}
	methods, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(methods) != 1 || methods[0] != "scram-sha-256" {
		t.Errorf("pg_hba auth methods = %v (err %v), want only scram-sha-256", methods, err)
	}
	wrong := postgres.URL("127.0.0.1", s.Port, postgres.Credentials{Role: s.User, Database: "postgres", Password: "wrong"}) +
		"?sslmode=disable"
	if c, err := pgx.Connect(ctx, wrong); sqlState(err) != invalidPassword {
		if err == nil {
			c.Close(context.Background())
		}
		t.Errorf("superuser with a wrong password: err = %v, want %s", err, invalidPassword)
	}
}

// The dev cluster restarts its server on the same directory and must find
// its databases and superuser password again.
func TestServerRestartKeepsClusterAndPassword(t *testing.T) {
	testkit.NeedsPostgres(t)
	dir := testkit.PostgresDir(t)

	first, err := pgserver.Start(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, err := postgres.Connect(testContext(t), first.AdminURL())
	if err != nil {
		first.Stop()
		t.Fatal(err)
	}
	_, err = a.EnsureSite(testContext(t), "survivor", postgres.Options{})
	a.Close()
	pid := first.PID()
	if stopErr := first.Stop(); err != nil || stopErr != nil {
		t.Fatalf("ensure: %v, stop: %v", err, stopErr)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("postmaster %d still exists after Stop (kill 0: %v)", pid, err)
	}

	second, err := pgserver.Start(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := second.Stop(); err != nil {
			t.Error(err)
		}
	})
	if second.Password != first.Password {
		t.Error("restart chose a new superuser password")
	}
	a2, err := postgres.Connect(testContext(t), second.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer a2.Close()
	if c, err := a2.EnsureSite(context.Background(), "survivor", postgres.Options{}); err != nil || c.Created {
		t.Errorf("after restart EnsureSite = %+v, %v; want the existing site", c, err)
	}
}

func TestStartExplainsUnreachableDirectory(t *testing.T) {
	testkit.NeedsPostgres(t)
	if os.Geteuid() != 0 {
		t.Skip("only root hands the server to another user")
	}
	dir := filepath.Join(t.TempDir(), "pg") // t.TempDir's parent is 0700 root
	s, err := pgserver.Start(dir, 0)
	if err == nil {
		s.Stop()
		t.Fatal("Start succeeded in a directory the postgres user cannot reach")
	}
	if !strings.Contains(err.Error(), "cannot enter") {
		t.Errorf("err = %v, want it to name the unreachable parent", err)
	}
}
