package postgres_test

import (
	"bytes"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hostctl/hostctl/provisioner/postgres"
)

// roleFacts is what the tests check about a login role, read as superuser.
type roleFacts struct {
	exists, hasPassword, memberOfSite bool
	connLimit                         int
}

func loginFacts(t *testing.T, su *pgxpool.Pool, role, site string) roleFacts {
	t.Helper()
	var f roleFacts
	err := su.QueryRow(testContext(t), `
		SELECT count(*) > 0, coalesce(bool_or(rolpassword IS NOT NULL), false),
		       coalesce(bool_or(pg_has_role(r.oid, (SELECT oid FROM pg_roles WHERE rolname = $2), 'MEMBER')), false),
		       coalesce(max(rolconnlimit), 0)
		FROM pg_authid r WHERE rolname = $1`, role, site).
		Scan(&f.exists, &f.hasPassword, &f.memberOfSite, &f.connLimit)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// The whole zero-downtime cycle: rotate to the alternate role, both work
// while instances move, retire the old one, and flip back next time.
func TestRotateLoginAlternatesAndRetireLoginCutsOff(t *testing.T) {
	a, su := newAdmin(t), superuser(t)
	ctx := testContext(t)
	first := newSite(t, a, "flip", postgres.Options{ConnLimit: 4})
	oldInstance := mustConnectAs(t, first)

	alt, err := a.RotateLogin(ctx, "flip", "flip")
	if err != nil {
		t.Fatal(err)
	}
	if alt.Role != "flip_alt" || alt.Database != "flip" || alt.Created || len(alt.Password) < 32 || alt.Password == first.Password {
		t.Fatalf("RotateLogin = %+v, want fresh credentials for flip_alt on database flip", alt)
	}
	if f := loginFacts(t, su, "flip_alt", "flip"); !f.memberOfSite || f.connLimit != 4 {
		t.Errorf("flip_alt: %+v, want a member of flip with connection limit 4", f)
	}

	newInstance := mustConnectAs(t, alt)
	var current, session string
	if err := newInstance.QueryRow(ctx, `SELECT current_user, session_user`).Scan(&current, &session); err != nil {
		t.Fatal(err)
	}
	if current != "flip" || session != "flip_alt" {
		t.Errorf("alternate session runs as current_user=%s session_user=%s, want flip and flip_alt", current, session)
	}
	if _, err := newInstance.Exec(ctx, `CREATE TABLE orders (id int PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	if owner := tableOwner(t, "flip", "orders"); owner != "flip" {
		t.Errorf("table made through flip_alt is owned by %q, want the site role flip", owner)
	}
	// Mid-roll: instances not yet restarted still open new connections.
	if c, err := connectAs(ctx, first); err != nil {
		t.Errorf("old credentials stopped working before RetireLogin: %v", err)
	} else {
		c.Close(ctx)
	}

	if err := a.RetireLogin(ctx, "flip", "flip"); err != nil {
		t.Fatal(err)
	}
	if _, err := connectAs(ctx, first); sqlState(err) != invalidPassword {
		t.Errorf("retired credentials: err = %v, want SQLSTATE %s", err, invalidPassword)
	}
	if _, err := oldInstance.Exec(ctx, "SELECT 1"); err == nil {
		t.Error("a session of the retired role survived RetireLogin")
	}
	if _, err := newInstance.Exec(ctx, "INSERT INTO orders VALUES (1)"); err != nil {
		t.Errorf("the new role's session was disturbed by retiring the old one: %v", err)
	}
	// With flip retired, a caller claiming flip is still in use has lost
	// track; rotating flip_alt then would cut off every instance.
	if _, err := a.RotateLogin(ctx, "flip", "flip"); err == nil {
		t.Error("RotateLogin rotated flip_alt away while flip, named as current, has no password")
	}
	if err := a.RetireLogin(ctx, "flip", "flip_alt"); err == nil {
		t.Error("RetireLogin retired flip_alt while flip has no password, leaving no way in")
	}
	mustConnectAs(t, alt)

	back, err := a.RotateLogin(ctx, "flip", "flip_alt")
	if err != nil {
		t.Fatal(err)
	}
	if back.Role != "flip" || back.Password == first.Password || back.Password == alt.Password {
		t.Fatalf("second rotation = %+v, want a new password for flip", back)
	}
	var n int
	if err := mustConnectAs(t, back).QueryRow(ctx, `INSERT INTO orders VALUES (2) RETURNING (SELECT count(*) FROM orders)`).Scan(&n); err != nil || n != 1 {
		t.Errorf("flip after flipping back: count=%d err=%v, want to use the table flip_alt made", n, err)
	}
	mustConnectAs(t, alt) // still valid until retired
	if err := a.RetireLogin(ctx, "flip", "flip_alt"); err != nil {
		t.Fatal(err)
	}
	if _, err := connectAs(ctx, alt); sqlState(err) != invalidPassword {
		t.Errorf("retired flip_alt: err = %v, want SQLSTATE %s", err, invalidPassword)
	}
	if err := a.RetireLogin(ctx, "flip", "flip_alt"); err != nil {
		t.Errorf("retiring an already retired role: %v", err)
	}
}

// tableOwner looks as superuser, independently of the site's own view.
func tableOwner(t *testing.T, db, table string) string {
	t.Helper()
	conn := superuserIn(t, db)
	var owner string
	if err := conn.QueryRow(testContext(t), `SELECT tableowner FROM pg_tables WHERE tablename = $1`, table).Scan(&owner); err != nil {
		t.Fatal(err)
	}
	return owner
}

func TestAltRoleCannotConnectToAnotherSitesDatabase(t *testing.T) {
	a := newAdmin(t)
	newSite(t, a, "anna", postgres.Options{})
	newSite(t, a, "bert", postgres.Options{})
	alt, err := a.RotateLogin(testContext(t), "anna", "anna")
	if err != nil {
		t.Fatal(err)
	}
	mustConnectAs(t, alt) // control: the role itself works

	intruder := alt
	intruder.Database = "bert"
	if conn, err := connectAs(testContext(t), intruder); sqlState(err) != insufficientPrivilege {
		if err == nil {
			conn.Close(testContext(t))
		}
		t.Errorf("anna_alt connecting to bert's database: err = %v, want %s", err, insufficientPrivilege)
	}
}

// Objects made through the alternate role belong to the site, so a dump
// and restore works as before and the alternate role can use the result.
func TestDumpRestoreAfterRotation(t *testing.T) {
	a := newAdmin(t)
	ctx := testContext(t)
	newSite(t, a, "rolled", postgres.Options{})
	alt, err := a.RotateLogin(ctx, "rolled", "rolled")
	if err != nil {
		t.Fatal(err)
	}
	conn := mustConnectAs(t, alt)
	if _, err := conn.Exec(ctx, `CREATE TABLE kept (v text); INSERT INTO kept VALUES ('x')`); err != nil {
		t.Fatal(err)
	}
	var dump bytes.Buffer
	if err := postgres.Dump(ctx, server(t).AdminURL(), "rolled", &dump); err != nil {
		t.Fatal(err)
	}
	if err := a.Restore(ctx, "rolled", alt, &dump); err != nil {
		t.Fatal(err)
	}
	var v string
	if err := mustConnectAs(t, alt).QueryRow(ctx, `INSERT INTO kept VALUES ('y') RETURNING (SELECT string_agg(v, ',') FROM kept)`).Scan(&v); err != nil || v != "x" {
		t.Errorf("after restore through the alternate role: %q, %v; want x", v, err)
	}
}
