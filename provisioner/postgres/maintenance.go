package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/jackc/pgx/v5"
)

// maintenanceDBs are the databases every server has and, as initdb makes
// them, lets PUBLIC connect to. Every site login is a member of PUBLIC, so
// without a revoke a tenant could open sessions beside the admin's own (the
// admin URL points at "postgres") and, on servers older than 15 where
// PUBLIC may still CREATE in schema public, plant functions or operators
// that the superuser's unqualified calls there would resolve to; objects
// planted in template1 would also be copied into every database later made
// from it. template0 does not allow connections at all. Superusers bypass
// CONNECT, so neither the admin nor CREATE DATABASE ... TEMPLATE needs it.
var maintenanceDBs = []string{"postgres", "template1"}

// revokeMaintenanceSQL is one statement per line: single-user mode, which
// runs it on a new cluster, ends a command at each newline.
func revokeMaintenanceSQL(dbs []string) string {
	var b strings.Builder
	for _, db := range dbs {
		b.WriteString("REVOKE CONNECT ON DATABASE " + pgx.Identifier{db}.Sanitize() + " FROM PUBLIC;\n")
	}
	return b.String()
}

// LockDownSQL closes the maintenance databases of a cluster initdb has
// just made, before its server ever listens, so there is no moment when a
// role could connect to them; closeMaintenanceDBs does the same later for
// a server made elsewhere. It is for the dev cluster's server
// (devcluster/pgserver), which runs it in the single-user backend: one
// statement per line, as that mode reads them.
func LockDownSQL() string { return revokeMaintenanceSQL(maintenanceDBs) }

// maintenanceLockKey serialises the check-and-revoke across controllers:
// two concurrent GRANT/REVOKEs on one database fail with "tuple
// concurrently updated".
var maintenanceLockKey = lockKey("maintenance databases")

// closeMaintenanceDBs makes sure PUBLIC cannot connect to the maintenance
// databases of the operator's server before a site login is handed out.
// hostctl fixes rather than refuses: it already treats the server as its
// own (it is the superuser, revokes PUBLIC on every site database, takes
// over schema public), a refusal would stop every `site apply` until
// someone ran the same two statements by hand, and the fix is idempotent.
// What it can break is another non-superuser role that relied on PUBLIC
// to reach "postgres" (a monitoring agent, say); the warning names the
// database so the operator can grant that role CONNECT explicitly.
func (a *Admin) closeMaintenanceDBs(ctx context.Context) error {
	tx, err := a.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("check maintenance databases: %w", err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", maintenanceLockKey); err != nil {
		return fmt.Errorf("check maintenance databases: %w", err)
	}
	// A NULL datacl is the built-in default, which grants PUBLIC CONNECT;
	// grantee 0 in an explicit ACL is PUBLIC.
	rows, err := tx.Query(ctx, `
		SELECT datname FROM pg_database
		WHERE datname = ANY($1) AND datallowconn
		  AND (datacl IS NULL OR EXISTS (
		        SELECT 1 FROM aclexplode(datacl) acl
		        WHERE acl.grantee = 0 AND acl.privilege_type = 'CONNECT'))
		ORDER BY datname`, maintenanceDBs)
	if err != nil {
		return fmt.Errorf("check maintenance databases: %w", err)
	}
	open, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("check maintenance databases: %w", err)
	}
	if len(open) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, revokeMaintenanceSQL(open)); err != nil {
		return fmt.Errorf("revoke CONNECT from PUBLIC on %s: %w", strings.Join(open, ", "), err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("revoke CONNECT from PUBLIC on %s: %w", strings.Join(open, ", "), err)
	}
	for _, db := range open {
		slog.Warn("revoked CONNECT from PUBLIC so site logins cannot reach this database; GRANT CONNECT explicitly to any other role that needs it",
			"database", db)
	}
	return nil
}
