package postgres

import (
	"net/url"
	"testing"
)

func TestLoginTargetKeepsOnlyTheServer(t *testing.T) {
	for _, tc := range []struct {
		name, admin string
		wantQuery   url.Values
	}{
		{"plain", "postgres://postgres:secret@db.internal:5433/postgres", url.Values{}},
		{"transport settings kept", "postgresql://postgres:secret@db.internal/postgres?sslmode=verify-full&sslrootcert=/etc/ca.pem&connect_timeout=5",
			url.Values{"sslmode": {"verify-full"}, "sslrootcert": {"/etc/ca.pem"}, "connect_timeout": {"5"}}},
		// libpq lets these override the user, password and database
		// written before the host.
		{"identity in the query", "postgres://db.internal/postgres?user=postgres&password=secret&passfile=/root/.pgpass&service=admin&servicefile=/x&dbname=other&sslmode=require",
			url.Values{"sslmode": {"require"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := loginTarget(tc.admin, "shop", "shop_alt")
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(got)
			if err != nil {
				t.Fatal(err)
			}
			if _, hasPW := u.User.Password(); u.User.Username() != "shop_alt" || hasPW || u.Path != "/shop" {
				t.Errorf("loginTarget = %s, want user shop_alt without a password, database shop", got)
			}
			if q := u.Query(); q.Encode() != tc.wantQuery.Encode() {
				t.Errorf("query = %s, want %s", q.Encode(), tc.wantQuery.Encode())
			}
		})
	}
	if _, err := loginTarget("host=db user=postgres", "shop", "shop"); err == nil {
		t.Error("loginTarget accepted a key=value string it cannot rewrite")
	}
}

func TestPrintableEscapesTerminalControls(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"text, newlines and tabs stay", "ERROR:  bad\n\tCommand was: SELECT 'ü✓';", "ERROR:  bad\n\tCommand was: SELECT 'ü✓';"},
		{"OSC window title", "\x1b]0;owned\x07", `\x1b]0;owned\a`},
		{"CSI clear screen", "\x1b[2J", `\x1b[2J`},
		{"C1 CSI", "\u009b6n", `\u009b6n`},
		{"carriage return", "ok\rfake", `ok\rfake`},
		{"bidi override", "a\u202eb", `a\u202eb`},
		{"invalid UTF-8", "a\xffb", `a\xffb`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := printable(tc.in); got != tc.want {
				t.Errorf("printable(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
