package postgres_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hostctl/hostctl/provisioner/postgres"
)

func TestEnsureSiteCreatesRoleAndOwnedDatabase(t *testing.T) {
	a, su := newAdmin(t), superuser(t)
	cred := newSite(t, a, "shop", postgres.Options{})

	if !cred.Created || cred.Role != "shop" || cred.Database != "shop" {
		t.Fatalf("credentials = %+v, want a created role and database named shop", cred)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{32,}$`).MatchString(cred.Password) {
		t.Errorf("password %q is not ≥32 URL-safe characters", cred.Password)
	}
	var canLogin bool
	var owner string
	if err := su.QueryRow(testContext(t), `
		SELECT r.rolcanlogin, pg_get_userbyid(d.datdba)
		FROM pg_roles r, pg_database d WHERE r.rolname = 'shop' AND d.datname = 'shop'`,
	).Scan(&canLogin, &owner); err != nil {
		t.Fatal(err)
	}
	if !canLogin || owner != "shop" {
		t.Errorf("rolcanlogin=%v owner=%q, want a login role owning its database", canLogin, owner)
	}
	var one int
	if err := mustConnectAs(t, cred).QueryRow(testContext(t), "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Errorf("site cannot use its returned credentials: %v", err)
	}
}

// siteState is everything EnsureSite could change; comparing it proves a
// repeat call did nothing, including not touching the password hash.
func siteState(t *testing.T, su *pgxpool.Pool, site string) string {
	t.Helper()
	var s string
	if err := su.QueryRow(testContext(t), `
		SELECT concat_ws(' | ', a.rolpassword, a.rolconnlimit, a.rolcanlogin, d.datacl::text, d.datdba)
		FROM pg_authid a, pg_database d WHERE a.rolname = $1 AND d.datname = $1`, site).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEnsureSiteIsIdempotent(t *testing.T) {
	a, su := newAdmin(t), superuser(t)
	first := newSite(t, a, "idem", postgres.Options{ConnLimit: 5})
	before := siteState(t, su, "idem")

	again, err := a.EnsureSite(testContext(t), "idem", postgres.Options{ConnLimit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if again.Created || again.Password != "" || again.Role != "idem" || again.Database != "idem" {
		t.Errorf("second EnsureSite = %+v, want Created=false and no password", again)
	}
	if after := siteState(t, su, "idem"); after != before {
		t.Errorf("second EnsureSite changed state:\n before %s\n after  %s", before, after)
	}
	mustConnectAs(t, first) // the password the caller stored still works
}

func TestPasswordIsStoredAsSCRAM(t *testing.T) {
	a, su := newAdmin(t), superuser(t)
	cred := newSite(t, a, "hashed", postgres.Options{})
	var stored string
	if err := su.QueryRow(testContext(t),
		`SELECT rolpassword FROM pg_authid WHERE rolname = 'hashed'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stored, "SCRAM-SHA-256$") {
		t.Errorf("rolpassword = %q, want a SCRAM-SHA-256 verifier", stored)
	}
	if strings.Contains(stored, cred.Password) {
		t.Error("the stored verifier contains the plaintext password")
	}
}

func TestRotatePasswordReplacesOldPassword(t *testing.T) {
	a := newAdmin(t)
	old := newSite(t, a, "rotor", postgres.Options{})

	fresh, err := a.RotatePassword(testContext(t), "rotor")
	if err != nil {
		t.Fatal(err)
	}
	if fresh == old.Password || len(fresh) < 32 {
		t.Fatalf("rotated password %q is not a new ≥32-character password", fresh)
	}
	if _, err := connectAs(testContext(t), old); sqlState(err) != invalidPassword {
		t.Errorf("old password: err = %v, want SQLSTATE %s", err, invalidPassword)
	}
	mustConnectAs(t, postgres.Credentials{Role: "rotor", Database: "rotor", Password: fresh})

	if _, err := a.RotatePassword(testContext(t), "nosuchsite"); err == nil {
		t.Error("RotatePassword of a missing site succeeded")
	}
}

// The limit is set on the role (pg_roles.rolconnlimit), not the database:
// it then caps every session the site's credentials can open, in any
// database an operator lets it reach, which is what a per-tenant resource
// cap is for. Only the site role can
// connect to the site database anyway, so a database limit would add
// nothing but a second place to keep in sync.
func TestConnLimitIsAppliedAndChanged(t *testing.T) {
	a, su := newAdmin(t), superuser(t)
	rolLimit := func() int {
		var n int
		if err := su.QueryRow(testContext(t),
			`SELECT rolconnlimit FROM pg_roles WHERE rolname = 'capped'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	cred := newSite(t, a, "capped", postgres.Options{ConnLimit: 3})
	if got := rolLimit(); got != 3 {
		t.Fatalf("rolconnlimit = %d, want 3", got)
	}
	if _, err := a.EnsureSite(testContext(t), "capped", postgres.Options{ConnLimit: 1}); err != nil {
		t.Fatal(err)
	}
	if got := rolLimit(); got != 1 {
		t.Fatalf("after changing to 1: rolconnlimit = %d", got)
	}
	mustConnectAs(t, cred)
	if conn, err := connectAs(testContext(t), cred); sqlState(err) != tooManyConnections {
		if err == nil {
			conn.Close(testContext(t))
		}
		t.Errorf("second connection under limit 1: err = %v, want SQLSTATE %s", err, tooManyConnections)
	}
	if _, err := a.EnsureSite(testContext(t), "capped", postgres.Options{}); err != nil {
		t.Fatal(err)
	}
	if got := rolLimit(); got != -1 {
		t.Errorf("ConnLimit 0: rolconnlimit = %d, want -1 (no limit)", got)
	}
	if _, err := a.EnsureSite(testContext(t), "capped", postgres.Options{ConnLimit: -2}); err == nil {
		t.Error("negative ConnLimit accepted")
	}
}
