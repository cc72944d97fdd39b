package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// managedComment marks roles this package created. Site names are ordinary
// words ("grafana", "admin"), so without a mark EnsureSite could adopt, and
// DropSite could destroy, a role and database someone else made.
const managedComment = "hostctl site"

type roleState struct {
	managed     bool
	privileged  bool
	canLogin    bool
	hasPassword bool
	connLimit   int
}

// lookupRole returns nil if the role does not exist. "privileged" covers
// anything a site role must never have, including being the admin itself
// or a member of any role.
func lookupRole(ctx context.Context, conn *pgxpool.Conn, site string) (*roleState, error) {
	return lookupMember(ctx, conn, site, "")
}

// lookupMember is lookupRole for a role that may be a member of parent,
// without ADMIN OPTION, and of nothing else: a site's alternate login,
// which must not lend its site anything beyond the site's own rights.
func lookupMember(ctx context.Context, conn *pgxpool.Conn, name, parent string) (*roleState, error) {
	var r roleState
	err := conn.QueryRow(ctx, `
		SELECT coalesce(shobj_description(oid, 'pg_authid') = $2, false),
		       rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls
		         OR rolname = current_user OR rolname = session_user
		         OR EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.member = r.oid
		           AND (m.admin_option OR m.roleid NOT IN (SELECT oid FROM pg_roles WHERE rolname = $3))),
		       rolcanlogin, rolpassword IS NOT NULL, rolconnlimit
		FROM pg_authid r WHERE rolname = $1`, name, managedComment, parent,
	).Scan(&r.managed, &r.privileged, &r.canLogin, &r.hasPassword, &r.connLimit)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up role %s: %w", name, err)
	}
	return &r, nil
}

// checkManageable refuses roles this package must not touch.
func (r *roleState) checkManageable(role string) error {
	switch {
	case !r.managed:
		return fmt.Errorf("role %s exists but was not created by hostctl; refusing to manage it", role)
	case r.privileged:
		return fmt.Errorf("role %s has privileges a site role must not have; refusing to manage it", role)
	}
	return nil
}

// databaseOwner returns "" if the database does not exist.
func databaseOwner(ctx context.Context, conn *pgxpool.Conn, db string) (string, error) {
	var owner string
	err := conn.QueryRow(ctx,
		`SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1`, db).Scan(&owner)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("look up database %s: %w", db, err)
	}
	return owner, nil
}

// setPasswordSQL builds the PASSWORD clause from a fresh SCRAM verifier.
func setPasswordSQL(conn *pgxpool.Conn, password string) (string, error) {
	verifier, err := scramVerifier(password)
	if err != nil {
		return "", err
	}
	lit, err := literal(conn, verifier)
	if err != nil {
		return "", fmt.Errorf("quote password: %w", err)
	}
	return "PASSWORD " + lit, nil
}

// literal quotes s as an SQL string constant. DDL takes no bind
// parameters, so values go in as literals escaped by pgx, which refuses
// when the connection's settings would make its escaping unsafe.
func literal(conn *pgxpool.Conn, s string) (string, error) {
	esc, err := conn.Conn().PgConn().EscapeString(s)
	if err != nil {
		return "", err
	}
	return "'" + esc + "'", nil
}

// usingSCRAM makes the server hash with SCRAM should it ever receive a
// plaintext password on this session; verifiers we send are stored as is.
func usingSCRAM(ctx context.Context, conn *pgxpool.Conn) error {
	if _, err := conn.Exec(ctx, "SET password_encryption = 'scram-sha-256'"); err != nil {
		return fmt.Errorf("set password_encryption: %w", err)
	}
	return nil
}

func lockKey(site string) int64 {
	h := fnv.New64a()
	h.Write([]byte("hostctl/provisioner/postgres:" + site))
	return int64(h.Sum64())
}
