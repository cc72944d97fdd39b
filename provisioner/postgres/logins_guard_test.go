package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hostctl/hostctl/provisioner/postgres"
)

// Role names come from callers' stored state; anything but the site's
// own two must be refused by name alone, before a connection is made.
func TestLoginCallsRefuseOtherRolesBeforeAnySQL(t *testing.T) {
	a := newAdmin(t)
	newSite(t, a, "ours", postgres.Options{})
	newSite(t, a, "theirs", postgres.Options{})
	closed := newAdmin(t)
	closed.Close()
	foreign := []string{"theirs", "theirs_alt", "postgres", "", "OURS", "ours_alt2", "ours_", `ours"; DROP ROLE theirs; --`}

	before := catalogue(t)
	for _, admin := range []*postgres.Admin{a, closed} {
		for _, role := range foreign {
			if _, err := admin.RotateLogin(testContext(t), "ours", role); !errors.Is(err, postgres.ErrNotSiteLogin) {
				t.Errorf("RotateLogin(ours, %q): err = %v, want ErrNotSiteLogin", role, err)
			}
			if err := admin.RetireLogin(testContext(t), "ours", role); !errors.Is(err, postgres.ErrNotSiteLogin) {
				t.Errorf("RetireLogin(ours, %q): err = %v, want ErrNotSiteLogin", role, err)
			}
		}
	}
	if after := catalogue(t); after != before {
		t.Errorf("roles or databases changed:\n before %s\n after  %s", before, after)
	}
	// Control: the site's own role reaches for the closed pool and fails
	// differently, so the refusals above came from the name check.
	if _, err := closed.RotateLogin(testContext(t), "ours", "ours"); err == nil || errors.Is(err, postgres.ErrNotSiteLogin) {
		t.Errorf("RotateLogin(ours, ours) on a closed pool: err = %v, want a connection error", err)
	}

	roles, err := postgres.LoginRoles("ours")
	if err != nil || len(roles) != 2 || roles[0] != "ours" || roles[1] != "ours_alt" {
		t.Errorf("LoginRoles(ours) = %v, %v", roles, err)
	}
	if _, err := postgres.LoginRoles(hostileNames[0]); !errors.Is(err, postgres.ErrInvalidSiteName) {
		t.Errorf("LoginRoles(hostile): err = %v, want ErrInvalidSiteName", err)
	}
}

func TestDropSiteRemovesBothLoginRoles(t *testing.T) {
	a, su := newAdmin(t), superuser(t)
	ctx := testContext(t)
	if _, err := a.EnsureSite(ctx, "brief", postgres.Options{}); err != nil {
		t.Fatal(err)
	}
	alt, err := a.RotateLogin(ctx, "brief", "brief")
	if err != nil {
		t.Fatal(err)
	}
	session := mustConnectAs(t, alt)
	// PUBLIC cannot connect to "postgres", but an operator may grant a
	// role CONNECT there. A privilege on a shared object also blocks DROP
	// ROLE unless DropSite clears what the alternate role holds, as it
	// does for the site role.
	if _, err := su.Exec(ctx, `GRANT CONNECT, CREATE ON DATABASE postgres TO brief_alt`); err != nil {
		t.Fatal(err)
	}
	elsewhere := alt
	elsewhere.Database = "postgres"
	elsewhereSession := mustConnectAs(t, elsewhere)

	if err := a.DropSite(ctx, "brief"); err != nil {
		t.Fatal(err)
	}
	for _, role := range []string{"brief", "brief_alt"} {
		if f := loginFacts(t, su, role, "brief"); f.exists {
			t.Errorf("role %s survived DropSite", role)
		}
	}
	if _, err := session.Exec(ctx, "SELECT 1"); err == nil {
		t.Error("brief_alt's session on its database survived DropSite")
	}
	if _, err := elsewhereSession.Exec(ctx, "SELECT 1"); err == nil {
		t.Error("brief_alt's session on another database survived DropSite")
	}
}

func TestEnsureSiteKeepsAltConnLimitInStep(t *testing.T) {
	a, su := newAdmin(t), superuser(t)
	newSite(t, a, "stepper", postgres.Options{ConnLimit: 3})
	if _, err := a.RotateLogin(testContext(t), "stepper", "stepper"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.EnsureSite(testContext(t), "stepper", postgres.Options{ConnLimit: 7}); err != nil {
		t.Fatal(err)
	}
	if f := loginFacts(t, su, "stepper_alt", "stepper"); f.connLimit != 7 {
		t.Errorf("stepper_alt connection limit = %d after EnsureSite set 7", f.connLimit)
	}
}

// A role on the alternate name that hostctl did not make, or that has
// gained rights a site login must not have, is never adopted or dropped.
func TestForeignAltRoleIsNeverAdoptedOrDropped(t *testing.T) {
	a, su := newAdmin(t), superuser(t)
	ctx := testContext(t)
	cred := newSite(t, a, "squat", postgres.Options{})
	if _, err := su.Exec(ctx, `CREATE ROLE squat_alt LOGIN PASSWORD 'theirs'`); err != nil {
		t.Fatal(err)
	}
	// Registered after newSite's cleanup, so it runs first and DropSite
	// can then succeed.
	t.Cleanup(func() { _, _ = su.Exec(context.Background(), `DROP ROLE IF EXISTS squat_alt`) })
	hash := func() string {
		var h string
		if err := su.QueryRow(ctx, `SELECT rolpassword FROM pg_authid WHERE rolname = 'squat_alt'`).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	before := hash()

	for _, phase := range []struct{ name, setup string }{
		{"unmarked", ``},
		{"marked but privileged", `COMMENT ON ROLE squat_alt IS 'hostctl site'; GRANT pg_read_all_data TO squat_alt`},
	} {
		if phase.setup != "" {
			if _, err := su.Exec(ctx, phase.setup); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := a.RotateLogin(ctx, "squat", "squat"); err == nil {
			t.Errorf("%s: RotateLogin adopted squat_alt", phase.name)
		}
		if err := a.RetireLogin(ctx, "squat", "squat_alt"); err == nil {
			t.Errorf("%s: RetireLogin touched squat_alt", phase.name)
		}
		if err := a.DropSite(ctx, "squat"); err == nil {
			t.Errorf("%s: DropSite went ahead despite squat_alt", phase.name)
		}
		if h := hash(); h != before {
			t.Errorf("%s: squat_alt's password changed", phase.name)
		}
		mustConnectAs(t, cred) // the site itself is untouched
	}
}
