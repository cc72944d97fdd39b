package integration

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hostctl/hostctl/internal/testkit"
	"github.com/hostctl/hostctl/provisioner/postgres"
)

// testRestoreCannotEscalate has site build, with its own login, a database
// whose restore runs a function that drops the restore's role and tries to
// become superuser, make one, join victim's role, reset victim's password
// and run a shell command (testkit.RestoreTakeoverSQL); dumps it with
// `hostctl db dump` and loads it back with `hostctl db restore`, the way a
// tenant's dump is restored. Restores used to run
// on a superuser session with --role, which the function's RESET ROLE
// undid (provisioner/postgres's TestRestoreCannotEscalate shows the old
// way escalating, as its control).
func testRestoreCannotEscalate(t *testing.T, c *cluster, site, victim string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	nc := c.nomad()
	v, _, err := nc.Variables().Read("nomad/jobs/"+site, nil)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(v.Items["HOSTCTL_PGPORT"])
	login := v.Items["HOSTCTL_PGUSER"]
	siteURL := postgres.URL(v.Items["HOSTCTL_PGHOST"], port, postgres.Credentials{Role: login, Password: v.Items["HOSTCTL_PGPASSWORD"], Database: v.Items["HOSTCTL_PGDATABASE"]}) + "?sslmode=disable"
	markers := filepath.Join(c.stateDir, "pg-markers")
	os.Mkdir(markers, 0o777)
	os.Chmod(markers, 0o777)

	conn, err := pgx.Connect(ctx, siteURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	literal := func(s string) string {
		esc, _ := conn.PgConn().EscapeString(s)
		return "'" + esc + "'"
	}
	sql := strings.NewReplacer("{{MARKERS}}", literal(markers), "{{VICTIM}}", literal(victim)).Replace(testkit.RestoreTakeoverSQL)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("building the hostile database as the site: %v", err)
	}
	// Building it ran the function once, as the site; that trace must not
	// be in the dump, so the one found later comes from the restore.
	if _, err := conn.Exec(ctx, "DROP TABLE "+pgx.Identifier{"ran_as_" + login}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	dump := filepath.Join(c.stateDir, site+".dump")
	c.mustRun("db", "dump", "-f", dump, site)
	out, err := c.run("db", "restore", "-f", dump, site)
	t.Logf("db restore: err=%v\n%s", err, out)

	adminURL, err := os.ReadFile(filepath.Join(c.stateDir, "etc", "pg-admin.url"))
	if err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(ctx, strings.TrimSpace(string(adminURL)))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var supers int
	if err := admin.QueryRow(ctx, "SELECT count(*) FROM pg_roles WHERE rolsuper AND (rolname = $1 OR rolname = $2 OR rolname = 'evil')", site, site+"_alt").Scan(&supers); err != nil {
		t.Fatal(err)
	}
	if supers != 0 {
		t.Errorf("after the restore %d of the site's roles (or 'evil') are superusers", supers)
	}
	if pwned, _ := filepath.Glob(filepath.Join(markers, "pwned*")); len(pwned) > 0 {
		t.Errorf("the dump ran a shell command on the database server: %v", pwned)
	}
	var joined bool
	if err := admin.QueryRow(ctx, `SELECT pg_has_role($1, $2, 'MEMBER')`, login, victim).Scan(&joined); err != nil {
		t.Fatal(err)
	}
	if joined {
		t.Errorf("%s's login became a member of %s's role", site, victim)
	}
	var traces []string
	rows, _ := conn.Query(ctx, "SELECT tablename FROM pg_tables WHERE tablename LIKE 'ran\\_as\\_%'")
	for rows.Next() {
		var name string
		rows.Scan(&name)
		traces = append(traces, name)
	}
	if len(traces) != 1 || traces[0] != "ran_as_"+login {
		t.Errorf("traces of the function after the restore: %v, want it to have run as the site's login %s only", traces, login)
	}
}
