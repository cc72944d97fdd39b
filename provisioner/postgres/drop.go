package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// DropSite removes the site's database and both login roles, ending their
// sessions first. A site that is already gone is not an error; a role or
// database of that name that hostctl did not create is, and is left alone.
func (a *Admin) DropSite(ctx context.Context, site string) error {
	if err := checkSite(site); err != nil {
		return err
	}
	return a.siteConn(ctx, site, func(conn *pgxpool.Conn) error {
		role, err := lookupRole(ctx, conn, site)
		if err != nil {
			return err
		}
		if role != nil {
			if err := role.checkManageable(site); err != nil {
				return err
			}
		}
		// A foreign role squatting on the alternate name is refused here,
		// before the database goes, not halfway through.
		alt, err := lookupLogin(ctx, conn, site, altRole(site))
		if err != nil {
			return err
		}
		owner, err := databaseOwner(ctx, conn, site)
		if err != nil {
			return err
		}
		if owner != "" && (role == nil || owner != site) {
			return fmt.Errorf("database %s is owned by %s, not a hostctl site role; refusing to drop it", site, owner)
		}
		if owner != "" {
			// FORCE terminates sessions on the database itself.
			if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident(site)+" WITH (FORCE)"); err != nil {
				return fmt.Errorf("drop database %s: %w", site, err)
			}
		}
		// The alternate role goes first: it is a member of the site role.
		if alt != nil {
			if err := dropRole(ctx, conn, altRole(site)); err != nil {
				return err
			}
		}
		if role == nil {
			return nil
		}
		return dropRole(ctx, conn, site)
	})
}

func dropRole(ctx context.Context, conn *pgxpool.Conn, role string) error {
	// The role may still be connected to other databases (an operator may
	// have granted it CONNECT somewhere, or it connected before hostctl
	// closed "postgres" to PUBLIC); DROP ROLE would leave those sessions
	// running under a role that no longer exists.
	if _, err := conn.Exec(ctx,
		`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, role); err != nil {
		return fmt.Errorf("end sessions of %s: %w", role, err)
	}
	// DROP OWNED in this database also revokes privileges on shared objects
	// (databases), which would otherwise block DROP ROLE.
	if _, err := conn.Exec(ctx, "DROP OWNED BY "+ident(role)); err != nil {
		return fmt.Errorf("drop objects owned by %s: %w", role, err)
	}
	if _, err := conn.Exec(ctx, "DROP ROLE IF EXISTS "+ident(role)); err != nil {
		return fmt.Errorf("drop role %s: %w", role, err)
	}
	return nil
}
