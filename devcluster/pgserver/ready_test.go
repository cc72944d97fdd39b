package pgserver_test

import (
	"context"
	"testing"
	"time"

	"github.com/hostctl/hostctl/devcluster/pgserver"
	"github.com/hostctl/hostctl/internal/testkit"
	"github.com/hostctl/hostctl/provisioner/postgres"
)

// Waiting cannot fix a wrong password, so WaitReady must not spend its
// whole deadline on one.
func TestWaitReadyFailsFastOnBadPassword(t *testing.T) {
	s := testkit.Postgres(t)
	wrong := postgres.URL("127.0.0.1", s.Port, postgres.Credentials{Role: s.User, Database: "postgres", Password: "wrong"}) +
		"?sslmode=disable"
	ctx, cancel := context.WithTimeout(testContext(t), 30*time.Second)
	defer cancel()
	start := time.Now()
	err := pgserver.WaitReady(ctx, wrong)
	if sqlState(err) != invalidPassword || time.Since(start) > 10*time.Second {
		t.Errorf("WaitReady with a wrong password: err=%v after %s; want %s at once", err, time.Since(start), invalidPassword)
	}
	if err := pgserver.WaitReady(ctx, s.AdminURL()); err != nil {
		t.Errorf("WaitReady on the running server: %v", err)
	}
}
