package postgres_test

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hostctl/hostctl/internal/testkit"
	"github.com/hostctl/hostctl/provisioner/postgres"
)

// hostileArchive is what a tenant can hand over for `db restore`: a real
// pg_dump of a database it built with its own login, running sql with
// each {{NAME}} replaced by the string literal of vars[NAME].
func hostileArchive(t *testing.T, a *postgres.Admin, forge, sql string, vars map[string]string) []byte {
	t.Helper()
	ctx := testContext(t)
	conn := mustConnectAs(t, newSite(t, a, forge, postgres.Options{}))
	var pairs []string
	for name, v := range vars {
		esc, err := conn.PgConn().EscapeString(v)
		if err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, "{{"+name+"}}", "'"+esc+"'")
	}
	sql = strings.NewReplacer(pairs...).Replace(sql)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("build the hostile database: %v", err)
	}
	var dump bytes.Buffer
	if err := postgres.Dump(ctx, server(t).AdminURL(), forge, &dump); err != nil {
		t.Fatal(err)
	}
	return dump.Bytes()
}

// restoreAsSuperuser is how Restore ran before: the admin's session, made
// to look like the site's by --role. It is the control that shows the
// archive's attack is real.
func restoreAsSuperuser(ctx context.Context, t *testing.T, site string, archive []byte) error {
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_restore")
	if len(bins) == 0 {
		t.Fatal("pg_restore not found under /usr/lib/postgresql")
	}
	slices.Sort(bins)
	target := postgres.URL("127.0.0.1", server(t).Port, postgres.Credentials{Role: server(t).User, Database: site}) + "?sslmode=disable"
	cmd := exec.CommandContext(ctx, bins[len(bins)-1],
		"--clean", "--if-exists", "--no-owner", "--role="+site,
		"--single-transaction", "--exit-on-error", "--dbname="+target)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C", "PGPASSWORD=" + server(t).Password}
	cmd.Stdin = bytes.NewReader(archive)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Logf("pg_restore: %s", out)
		return err
	}
	return nil
}

// superuserIn is a superuser session in database db, to look inside it
// independently of the code under test.
func superuserIn(t *testing.T, db string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(server(t).AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Database = db
	conn, err := pgx.ConnectConfig(testContext(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestRestoreCannotEscalate(t *testing.T) {
	a, su := newAdmin(t), superuser(t)
	ctx := testContext(t)
	const victim = "neighbour"
	newSite(t, a, victim, postgres.Options{})
	// The server's own directory: the postgres user can write there and
	// the test can look, so a command the server ran leaves its mark.
	markers := server(t).Dir
	archive := hostileArchive(t, a, "forger", testkit.RestoreTakeoverSQL, map[string]string{"VICTIM": victim, "MARKERS": markers})

	// The admin URL may carry the identity as query parameters, which
	// libpq lets override the user before the host.
	queryAdmin, err := postgres.Connect(ctx, server(t).AdminURL()+"&user="+url.QueryEscape(server(t).User)+"&password="+url.QueryEscape(server(t).Password))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(queryAdmin.Close)

	for _, tc := range []struct {
		name string
		site string
		// restore loads the archive into site, whose first login is cred,
		// and returns the role whose session it used.
		restore   func(t *testing.T, site string, cred postgres.Credentials) (login string, err error)
		escalates bool
	}{
		{"site login", "esc-main", func(t *testing.T, site string, cred postgres.Credentials) (string, error) {
			return cred.Role, a.Restore(ctx, site, cred, bytes.NewReader(archive))
		}, false},
		{"alternate login after a rotation", "esc-alt", func(t *testing.T, site string, cred postgres.Credentials) (string, error) {
			alt, err := a.RotateLogin(ctx, site, cred.Role)
			if err != nil {
				t.Fatal(err)
			}
			return alt.Role, a.Restore(ctx, site, alt, bytes.NewReader(archive))
		}, false},
		{"admin URL naming the superuser in its query", "esc-query", func(t *testing.T, site string, cred postgres.Credentials) (string, error) {
			return cred.Role, queryAdmin.Restore(ctx, site, cred, bytes.NewReader(archive))
		}, false},
		{"control: superuser session with --role, as Restore ran before", "esc-old", func(t *testing.T, site string, cred postgres.Credentials) (string, error) {
			return server(t).User, restoreAsSuperuser(ctx, t, site, archive)
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cred := newSite(t, a, tc.site, postgres.Options{})
			site := pgx.Identifier{tc.site}.Sanitize()
			// Runs before newSite's DropSite, which refuses a role that
			// gained privileges; the control is meant to leave some.
			t.Cleanup(func() {
				for _, stmt := range []string{
					"ALTER ROLE " + site + " NOSUPERUSER",
					"REVOKE " + pgx.Identifier{victim}.Sanitize() + " FROM " + site,
					"DROP ROLE IF EXISTS evil",
				} {
					if _, err := su.Exec(context.Background(), stmt); err != nil {
						t.Errorf("undo escalation: %s: %v", stmt, err)
					}
				}
				marks, _ := filepath.Glob(filepath.Join(markers, "pwned-*"))
				for _, m := range marks {
					os.Remove(m)
				}
			})
			var victimHash string
			if err := su.QueryRow(ctx, `SELECT rolpassword FROM pg_authid WHERE rolname = $1`, victim).Scan(&victimHash); err != nil {
				t.Fatal(err)
			}

			login, err := tc.restore(t, tc.site, cred)
			if err != nil {
				t.Fatalf("restore: %v", err)
			}

			// The trace tables show takeover() ran in this restore (the
			// forger's own came with the archive) and as whom it ended up.
			in := superuserIn(t, tc.site)
			var ranAs []string
			var rows int
			if err := in.QueryRow(ctx, `SELECT
				coalesce(array_agg(substr(relname, 8) ORDER BY relname)
					FILTER (WHERE relname LIKE 'ran\_as\_%' AND relname <> 'ran_as_forger'), '{}'),
				(SELECT count(*) FROM public.loot)
				FROM pg_class WHERE relnamespace = 'public'::regnamespace`).Scan(&ranAs, &rows); err != nil {
				t.Fatal(err)
			}
			if len(ranAs) == 0 || rows != 1 {
				t.Fatalf("takeover() left no trace (rows loaded: %d); the attack was not exercised", rows)
			}
			if len(ranAs) != 1 || ranAs[0] != login {
				t.Errorf("after dropping its role, takeover() ran as %v, want %s", ranAs, login)
			}

			var superuser, evil, joined, victimGrant bool
			var hashNow string
			if err := su.QueryRow(ctx, `SELECT
				(SELECT rolsuper FROM pg_roles WHERE rolname = $1),
				EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'evil'),
				pg_has_role($1, $2, 'MEMBER'),
				(SELECT rolpassword FROM pg_authid WHERE rolname = $2)`, tc.site, victim).
				Scan(&superuser, &evil, &joined, &hashNow); err != nil {
				t.Fatal(err)
			}
			if err := in.QueryRow(ctx, `SELECT has_table_privilege($1, 'public.loot', 'SELECT')`, victim).Scan(&victimGrant); err != nil {
				t.Fatal(err)
			}
			marks, _ := filepath.Glob(filepath.Join(markers, "pwned-*"))
			for _, o := range []struct {
				what     string
				happened bool
			}{
				{"site role became superuser", superuser},
				{"superuser role evil was created", evil},
				{"site role joined the neighbour's", joined},
				{"neighbour's password was reset", hashNow != victimHash},
				{"the server ran a shell command", len(marks) > 0},
			} {
				if o.happened != tc.escalates {
					t.Errorf("%s: %v, want %v", o.what, o.happened, tc.escalates)
				}
			}
			if !tc.escalates && victimGrant {
				t.Error("the archive's GRANT gave the neighbour's role SELECT on the restored table")
			}
		})
	}
}

// pg_restore repeats the server's errors and the archive's statements,
// both written by the site, into the error the operator reads.
func TestRestoreErrorCannotDriveTheTerminal(t *testing.T) {
	a := newAdmin(t)
	const shout = "\x1b]0;owned\x07\x1b[2J\u202e\u009b6n"
	sql := `
CREATE FUNCTION public.shout(v int) RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN
	IF current_setting('application_name') = 'hostctl-pg_restore' THEN
		RAISE EXCEPTION '%', {{SHOUT}};
	END IF;
	RETURN true;
END
$f$;
CREATE TABLE public.noise (v int CHECK (public.shout(v)));
INSERT INTO public.noise VALUES (1);
`
	archive := hostileArchive(t, a, "shouter", sql, map[string]string{"SHOUT": shout})
	cred := newSite(t, a, "hearer", postgres.Options{})
	err := a.Restore(testContext(t), "hearer", cred, bytes.NewReader(archive))
	if err == nil {
		t.Fatal("restore succeeded although shout() raised")
	}
	msg := err.Error()
	if !strings.Contains(msg, `\x1b]0;owned\a`) && !strings.Contains(msg, `\x1b]0;owned\x07`) {
		t.Errorf("error does not show the escaped sequence: %q", msg)
	}
	for _, r := range msg {
		if r != '\n' && r != '\t' && (r < 0x20 || (r >= 0x7f && r < 0xa0) || r == '\u202e') {
			t.Fatalf("error carries control character %U: %q", r, msg)
		}
	}
}
