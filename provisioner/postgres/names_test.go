package postgres_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/hostctl/hostctl/provisioner/postgres"
)

var hostileNames = []string{
	`a"; DROP ROLE postgres; --`,
	"../../etc",
	strings.Repeat("a", 200),
	"é",
	"Robert'); DROP TABLE x;--",
	"",
	"Upper",
	"postgres", // reserved by contract.CheckSiteName: it is the superuser
}

// catalogue lists every role and database, so a test can show that nothing
// appeared, vanished or was renamed.
func catalogue(t *testing.T) string {
	t.Helper()
	var s string
	if err := superuser(t).QueryRow(testContext(t), `SELECT
		(SELECT string_agg(rolname || ':' || coalesce(rolpassword, ''), ',' ORDER BY rolname) FROM pg_authid) || ' / ' ||
		(SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database)`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

type siteCall struct {
	name string
	call func(site string) error
}

func siteCalls(t *testing.T, a *postgres.Admin, adminURL string) []siteCall {
	ctx := testContext(t)
	return []siteCall{
		{"EnsureSite", func(s string) error { _, err := a.EnsureSite(ctx, s, postgres.Options{}); return err }},
		{"RotatePassword", func(s string) error { _, err := a.RotatePassword(ctx, s); return err }},
		{"RotateLogin", func(s string) error { _, err := a.RotateLogin(ctx, s, s); return err }},
		{"RetireLogin", func(s string) error { return a.RetireLogin(ctx, s, s) }},
		{"DropSite", func(s string) error { return a.DropSite(ctx, s) }},
		{"Dump", func(s string) error { return postgres.Dump(ctx, adminURL, s, io.Discard) }},
		{"Restore", func(s string) error {
			return a.Restore(ctx, s, postgres.Credentials{Role: s, Password: "x"}, bytes.NewReader(nil))
		}},
	}
}

func TestHostileNamesAreRejectedWithoutTouchingTheServer(t *testing.T) {
	before := catalogue(t)
	for _, c := range siteCalls(t, newAdmin(t), server(t).AdminURL()) {
		for _, name := range hostileNames {
			if err := c.call(name); !errors.Is(err, postgres.ErrInvalidSiteName) {
				t.Errorf("%s(%q): err = %v, want ErrInvalidSiteName", c.name, name, err)
			}
		}
	}
	if after := catalogue(t); after != before {
		t.Errorf("roles or databases changed:\n before %s\n after  %s", before, after)
	}
}

// With no usable connection at all, a hostile name must still produce the
// name error: that shows validation runs before any connection or SQL,
// not merely that the SQL happened to be harmless.
func TestNamesAreCheckedBeforeAnyConnection(t *testing.T) {
	closed := newAdmin(t)
	closed.Close()
	const nowhere = "postgres://nobody@127.0.0.1:1/none?connect_timeout=1"
	for _, c := range siteCalls(t, closed, nowhere) {
		if err := c.call(hostileNames[0]); !errors.Is(err, postgres.ErrInvalidSiteName) {
			t.Errorf("%s with hostile name and no server: err = %v, want ErrInvalidSiteName", c.name, err)
		}
		// The control: a valid name does reach for the server and fails
		// differently, so the assertion above is not vacuous.
		if err := c.call("valid"); err == nil || errors.Is(err, postgres.ErrInvalidSiteName) {
			t.Errorf("%s with valid name and no server: err = %v, want a connection error", c.name, err)
		}
	}
}
