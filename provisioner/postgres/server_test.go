package postgres_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hostctl/hostctl/provisioner/postgres"
)

func TestServerAcceptsOnlySCRAM(t *testing.T) {
	var methods []string
	rows, err := superuser(t).Query(testContext(t), `SELECT DISTINCT auth_method FROM pg_hba_file_rules`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			t.Fatal(err)
		}
		methods = append(methods, m)
	}
	if rows.Err() != nil || len(methods) != 1 || methods[0] != "scram-sha-256" {
		t.Errorf("pg_hba auth methods = %v (err %v), want only scram-sha-256", methods, rows.Err())
	}
	wrong := postgres.Credentials{Role: srv.User, Database: "postgres", Password: "wrong"}
	if _, err := connectAs(testContext(t), wrong); sqlState(err) != invalidPassword {
		t.Errorf("superuser with a wrong password: err = %v, want %s", err, invalidPassword)
	}
}

// The dev cluster restarts its server on the same directory and must find
// its databases and superuser password again.
func TestServerRestartKeepsClusterAndPassword(t *testing.T) {
	dir, err := os.MkdirTemp("", "hostctl-pg-restart-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })

	first, err := postgres.StartServer(dir, 0)
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

	second, err := postgres.StartServer(dir, 0)
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

func TestStartServerExplainsUnreachableDirectory(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root hands the server to another user")
	}
	dir := filepath.Join(t.TempDir(), "pg") // t.TempDir's parent is 0700 root
	s, err := postgres.StartServer(dir, 0)
	if err == nil {
		s.Stop()
		t.Fatal("StartServer succeeded in a directory the postgres user cannot reach")
	}
	if !strings.Contains(err.Error(), "cannot enter") {
		t.Errorf("err = %v, want it to name the unreachable parent", err)
	}
}
