package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hostctl/hostctl/internal/testkit"
	"github.com/hostctl/hostctl/provisioner/postgres"
)

// reachable checks in which databases of the server on port cred's role
// can open a session: want[db] says whether it should.
func reachable(t *testing.T, port int, cred postgres.Credentials, want map[string]bool) {
	t.Helper()
	for db, ok := range want {
		t.Run(cred.Role+" to "+db, func(t *testing.T) {
			c := cred
			c.Database = db
			conn, err := pgx.Connect(testContext(t), postgres.URL("127.0.0.1", port, c)+"?sslmode=disable")
			if err == nil {
				conn.Close(context.Background())
			}
			switch {
			case ok && err != nil:
				t.Errorf("cannot connect: %v", err)
			case !ok && sqlState(err) != insufficientPrivilege:
				t.Errorf("err = %v, want permission denied (%s)", err, insufficientPrivilege)
			}
		})
	}
}

// An operator's server comes from initdb with CONNECT on "postgres" and
// template1 granted to PUBLIC, so every new login could open sessions in
// them; each step reopens them as such a server has them and then does
// what hands out or keeps a login.
func TestSiteLoginsCannotConnectToMaintenanceDatabases(t *testing.T) {
	a, su := newAdmin(t), superuser(t)
	ctx := testContext(t)
	const reopen = `GRANT CONNECT ON DATABASE postgres, template1 TO PUBLIC`
	t.Cleanup(func() {
		_, _ = su.Exec(context.Background(), `REVOKE CONNECT ON DATABASE postgres, template1 FROM PUBLIC`)
	})
	want := map[string]bool{"postgres": false, "template1": false, "lobby": true}

	outer := t
	var first postgres.Credentials
	for _, step := range []struct {
		name string
		// do returns the login it made or kept.
		do func(t *testing.T) postgres.Credentials
	}{
		{"EnsureSite of a new site", func(*testing.T) postgres.Credentials {
			// On the outer test: the later steps use the site.
			first = newSite(outer, a, "lobby", postgres.Options{})
			return first
		}},
		{"RotateLogin", func(t *testing.T) postgres.Credentials {
			alt, err := a.RotateLogin(ctx, "lobby", "lobby")
			if err != nil {
				t.Fatal(err)
			}
			return alt
		}},
		{"EnsureSite of an existing site", func(t *testing.T) postgres.Credentials {
			if _, err := a.EnsureSite(ctx, "lobby", postgres.Options{}); err != nil {
				t.Fatal(err)
			}
			return first
		}},
	} {
		t.Run(step.name, func(t *testing.T) {
			if _, err := su.Exec(ctx, reopen); err != nil {
				t.Fatal(err)
			}
			reachable(t, server(t).Port, step.do(t), want)
		})
	}
}

// A new cluster must be closed before any site exists: a role made by
// hand, without EnsureSite, cannot reach the maintenance databases, while
// the superuser still creates databases from template1.
func TestNewClusterClosesMaintenanceDatabases(t *testing.T) {
	fresh := testkit.Postgres(t) // a new cluster, not the shared one other tests have changed
	ctx := testContext(t)
	su, err := pgx.Connect(ctx, fresh.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer su.Close(context.Background())
	for _, stmt := range []string{
		`CREATE ROLE probe LOGIN PASSWORD 'probe-password'`,
		`CREATE DATABASE probe OWNER probe TEMPLATE template1`,
	} {
		if _, err := su.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	reachable(t, fresh.Port, postgres.Credentials{Role: "probe", Password: "probe-password"},
		map[string]bool{"postgres": false, "template1": false, "probe": true})
}
