package postgres_test

import (
	"testing"

	"github.com/hostctl/hostctl/provisioner/postgres"
)

func TestSiteCannotConnectToAnotherSitesDatabase(t *testing.T) {
	a := newAdmin(t)
	alice := newSite(t, a, "alice", postgres.Options{})
	newSite(t, a, "bob", postgres.Options{})

	intruder := alice
	intruder.Database = "bob"
	if conn, err := connectAs(testContext(t), intruder); sqlState(err) != insufficientPrivilege {
		if err == nil {
			conn.Close(testContext(t))
		}
		t.Fatalf("alice connecting to bob's database: err = %v, want permission denied (%s)", err, insufficientPrivilege)
	}

	own := mustConnectAs(t, alice)
	if _, err := own.Exec(testContext(t), "CREATE TABLE posts (id int PRIMARY KEY)"); err != nil {
		t.Fatalf("alice cannot create a table in her own database: %v", err)
	}
}

// CONNECT is already revoked from PUBLIC, so to reach schema public at all
// the test grants bob CONNECT on alice's database by hand; what is left to
// stop him is the schema's own privileges.
func TestPublicCannotCreateInSchemaPublic(t *testing.T) {
	a, su := newAdmin(t), superuser(t)
	newSite(t, a, "host", postgres.Options{})
	guest := newSite(t, a, "guest", postgres.Options{})
	if _, err := su.Exec(testContext(t), `GRANT CONNECT ON DATABASE host TO guest`); err != nil {
		t.Fatal(err)
	}

	guest.Database = "host"
	conn := mustConnectAs(t, guest)
	_, err := conn.Exec(testContext(t), "CREATE TABLE public.squat (id int)")
	if sqlState(err) != insufficientPrivilege {
		t.Errorf("guest creating in host's schema public: err = %v, want permission denied (%s)", err, insufficientPrivilege)
	}
	var publicCanCreate bool
	var owner string
	if err := conn.QueryRow(testContext(t), `
		SELECT has_schema_privilege('public', 'public', 'CREATE'), pg_get_userbyid(nspowner)
		FROM pg_namespace WHERE nspname = 'public'`).Scan(&publicCanCreate, &owner); err != nil {
		t.Fatal(err)
	}
	if publicCanCreate || owner != "host" {
		t.Errorf("PUBLIC CREATE on schema public = %v, owner = %q; want false and the site role", publicCanCreate, owner)
	}
}
