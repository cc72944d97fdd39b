package postgres_test

import (
	"bytes"
	"testing"

	"github.com/hostctl/hostctl/provisioner/postgres"
)

func TestDumpDropEnsureRestoreRoundTrip(t *testing.T) {
	a := newAdmin(t)
	ctx := testContext(t)
	const body = "hello, wörld ✓ '; --"
	cred := newSite(t, a, "journal", postgres.Options{})
	conn := mustConnectAs(t, cred)
	if _, err := conn.Exec(ctx, `CREATE TABLE notes (id int PRIMARY KEY, body text)`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO notes VALUES (1, $1)`, body); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)

	var dump bytes.Buffer
	if err := postgres.Dump(ctx, server(t).AdminURL(), "journal", &dump); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(dump.Bytes(), []byte("PGDMP")) {
		t.Fatalf("dump does not start with the custom-format magic: %q", dump.Bytes()[:min(16, dump.Len())])
	}
	archive := dump.Bytes()

	if err := a.DropSite(ctx, "journal"); err != nil {
		t.Fatal(err)
	}
	if _, err := connectAs(ctx, cred); err == nil {
		t.Fatal("site still reachable after DropSite")
	}
	fresh := newSite(t, a, "journal", postgres.Options{})
	if !fresh.Created {
		t.Fatal("EnsureSite after DropSite did not recreate the role")
	}

	// Twice: --clean must make a restore over existing objects work too.
	for i := range 2 {
		if err := a.Restore(ctx, "journal", fresh, bytes.NewReader(archive)); err != nil {
			t.Fatalf("restore %d: %v", i+1, err)
		}
	}
	var got, owner string
	var rows int
	c := mustConnectAs(t, fresh)
	if err := c.QueryRow(ctx, `SELECT (SELECT body FROM notes WHERE id = 1), (SELECT count(*) FROM notes),
		(SELECT tableowner FROM pg_tables WHERE tablename = 'notes')`).Scan(&got, &rows, &owner); err != nil {
		t.Fatal(err)
	}
	if got != body || rows != 1 || owner != "journal" {
		t.Errorf("restored body=%q rows=%d owner=%q; want %q, 1, journal", got, rows, owner, body)
	}
	var publicCanCreate bool
	if err := c.QueryRow(ctx, `SELECT has_schema_privilege('public', 'public', 'CREATE')`).Scan(&publicCanCreate); err != nil || publicCanCreate {
		t.Errorf("restore reopened schema public to PUBLIC (err=%v)", err)
	}
}

func TestRestoreOfGarbageFailsAndChangesNothing(t *testing.T) {
	a := newAdmin(t)
	ctx := testContext(t)
	cred := newSite(t, a, "intact", postgres.Options{})
	conn := mustConnectAs(t, cred)
	if _, err := conn.Exec(ctx, `CREATE TABLE kept (id int)`); err != nil {
		t.Fatal(err)
	}
	if err := a.Restore(ctx, "intact", cred, bytes.NewReader([]byte("not a dump"))); err == nil {
		t.Fatal("Restore accepted garbage")
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE tablename = 'kept'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("table after failed restore: count=%d err=%v", n, err)
	}
}
