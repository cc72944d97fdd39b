package postgres_test

import (
	"testing"

	"github.com/hostctl/hostctl/provisioner/postgres"
)

func TestDropSiteRemovesEverythingAndEndsSessions(t *testing.T) {
	a, su := newAdmin(t), superuser(t)
	cred, err := a.EnsureSite(testContext(t), "doomed", postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	session := mustConnectAs(t, cred)

	if err := a.DropSite(testContext(t), "doomed"); err != nil {
		t.Fatal(err)
	}
	var roles, dbs int
	if err := su.QueryRow(testContext(t), `SELECT
		(SELECT count(*) FROM pg_roles WHERE rolname = 'doomed'),
		(SELECT count(*) FROM pg_database WHERE datname = 'doomed')`).Scan(&roles, &dbs); err != nil {
		t.Fatal(err)
	}
	if roles != 0 || dbs != 0 {
		t.Errorf("after DropSite: %d roles, %d databases named doomed", roles, dbs)
	}
	if _, err := session.Exec(testContext(t), "SELECT 1"); err == nil {
		t.Error("the site's open session survived DropSite")
	}
	if err := a.DropSite(testContext(t), "doomed"); err != nil {
		t.Errorf("DropSite of an absent site: %v", err)
	}
}

// A role and database someone created by hand must survive hostctl being
// asked to manage or remove a site of the same name.
func TestForeignRoleIsNeverAdoptedOrDropped(t *testing.T) {
	a, su := newAdmin(t), superuser(t)
	ctx := testContext(t)
	for _, stmt := range []string{
		`CREATE ROLE grafana LOGIN PASSWORD 'theirs'`,
		`CREATE DATABASE grafana OWNER grafana`,
	} {
		if _, err := su.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_, _ = su.Exec(ctx, `DROP DATABASE IF EXISTS grafana`)
		_, _ = su.Exec(ctx, `DROP ROLE IF EXISTS grafana`)
	})

	if _, err := a.EnsureSite(ctx, "grafana", postgres.Options{}); err == nil {
		t.Error("EnsureSite adopted a role hostctl did not create")
	}
	if _, err := a.RotatePassword(ctx, "grafana"); err == nil {
		t.Error("RotatePassword changed a role hostctl did not create")
	}
	if err := a.DropSite(ctx, "grafana"); err == nil {
		t.Error("DropSite dropped a role hostctl did not create")
	}
	var dbs int
	if err := su.QueryRow(ctx, `SELECT count(*) FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba
		WHERE d.datname = 'grafana' AND r.rolname = 'grafana'`).Scan(&dbs); err != nil || dbs != 1 {
		t.Errorf("foreign database after refusals: count=%d err=%v, want it untouched", dbs, err)
	}
}

// template1 is a valid site name but a built-in database: EnsureSite must
// not hand it to a new role, and must not leave that role behind.
func TestEnsureSiteRefusesExistingForeignDatabase(t *testing.T) {
	a, su := newAdmin(t), superuser(t)
	if _, err := a.EnsureSite(testContext(t), "template1", postgres.Options{}); err == nil {
		t.Fatal("EnsureSite took over template1")
	}
	var owner string
	var leftover int
	if err := su.QueryRow(testContext(t), `SELECT pg_get_userbyid(datdba),
		(SELECT count(*) FROM pg_roles WHERE rolname = 'template1')
		FROM pg_database WHERE datname = 'template1'`).Scan(&owner, &leftover); err != nil {
		t.Fatal(err)
	}
	if owner != server(t).User || leftover != 0 {
		t.Errorf("template1 owner = %q, leftover roles = %d; want untouched and none", owner, leftover)
	}
}
