package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// A site has two login roles so its password can change without downtime.
// Postgres keeps one password per role, and instances restart one at a
// time; if the one role's password changed, instances not yet restarted
// could no longer open connections. Instead the idle role gets the new
// password (RotateLogin), instances move to it one by one while the old
// role keeps working, and the old role is retired (RetireLogin) once none
// use it. The next rotation flips back.
//
// The database and everything in it belong to the role named after the
// site; the alternate role is a member of it (INHERIT, for CONNECT) whose
// sessions start with SET ROLE to it, so objects it creates are the site's
// and survive the alternate role being retired or dropped.

// RotateLogin gives the login role that is not current a fresh password,
// creating the alternate role if missing, and returns its credentials
// (Created is false: the site already existed). current is left alone so
// instances still using it can open new connections.
//
// current must still have a password: otherwise the caller's record of
// which role is in use is wrong, and rotating would break the role its
// instances actually use. Callers must store the result durably before
// rolling instances: calling RotateLogin again with the same current
// replaces the password it returned.
func (a *Admin) RotateLogin(ctx context.Context, site, current string) (Credentials, error) {
	next, err := otherLogin(site, current)
	if err != nil {
		return Credentials{}, err
	}
	// It may make a new login, which must not find them open.
	if err := a.closeMaintenanceDBs(ctx); err != nil {
		return Credentials{}, err
	}
	cred := Credentials{Role: next, Database: site}
	err = a.siteConn(ctx, site, func(conn *pgxpool.Conn) error {
		main, err := lookupLogin(ctx, conn, site, site)
		if err != nil {
			return err
		}
		if main == nil {
			return fmt.Errorf("role %s does not exist", site)
		}
		alt, err := lookupLogin(ctx, conn, site, altRole(site))
		if err != nil {
			return err
		}
		if cur := map[string]*roleState{site: main, altRole(site): alt}[current]; cur == nil || !cur.hasPassword {
			return fmt.Errorf("current login %s has no password, so no instance can be using it; refusing to rotate %s", current, next)
		}
		if err := usingSCRAM(ctx, conn); err != nil {
			return err
		}
		cred.Password = NewPassword()
		pw, err := setPasswordSQL(conn, cred.Password)
		if err != nil {
			return err
		}
		if next == site {
			if _, err := conn.Exec(ctx, "ALTER ROLE "+ident(site)+" LOGIN "+pw); err != nil {
				return fmt.Errorf("set password for %s: %w", site, err)
			}
			return nil
		}
		return ensureAlt(ctx, conn, site, alt == nil, pw, main.connLimit)
	})
	if err != nil {
		return Credentials{}, err
	}
	return cred, nil
}

// ensureAlt creates or repairs the alternate role in one transaction, so a
// failure never leaves it half made (say, able to log in but without the
// SET ROLE that makes its objects the site's).
func ensureAlt(ctx context.Context, conn *pgxpool.Conn, site string, create bool, pw string, limit int) error {
	alt := altRole(site)
	mark, err := literal(conn, managedComment)
	if err != nil {
		return err
	}
	verb := "ALTER"
	if create {
		verb = "CREATE"
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.Background())
	for _, stmt := range []string{
		fmt.Sprintf("%s ROLE %s LOGIN INHERIT %s CONNECTION LIMIT %d", verb, ident(alt), pw, limit),
		"COMMENT ON ROLE " + ident(alt) + " IS " + mark,
		"GRANT " + ident(site) + " TO " + ident(alt),
		"ALTER ROLE " + ident(alt) + " SET role = " + ident(site),
	} {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("set up role %s: %w", alt, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("set up role %s: %w", alt, err)
	}
	return nil
}

// RetireLogin makes role, one of the site's two logins, unusable: it
// removes its password and ends its sessions. Call it once every instance
// runs with the other role. Retiring an alternate role that was never
// created does nothing. It refuses to retire a role whose partner has no
// password, which would leave the site unable to log in at all.
func (a *Admin) RetireLogin(ctx context.Context, site, role string) error {
	other, err := otherLogin(site, role)
	if err != nil {
		return err
	}
	return a.siteConn(ctx, site, func(conn *pgxpool.Conn) error {
		target, err := lookupLogin(ctx, conn, site, role)
		if err != nil {
			return err
		}
		if target == nil {
			if role == site {
				return fmt.Errorf("role %s does not exist", site)
			}
			return nil
		}
		partner, err := lookupLogin(ctx, conn, site, other)
		if err != nil {
			return err
		}
		if partner == nil || !partner.hasPassword {
			return fmt.Errorf("refusing to retire %s: %s has no password, so the site could not log in", role, other)
		}
		if _, err := conn.Exec(ctx, "ALTER ROLE "+ident(role)+" PASSWORD NULL"); err != nil {
			return fmt.Errorf("remove password of %s: %w", role, err)
		}
		// Sessions outlive a password change; an instance still on this
		// role must fail now rather than whenever it next reconnects.
		if _, err := conn.Exec(ctx,
			`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, role); err != nil {
			return fmt.Errorf("end sessions of %s: %w", role, err)
		}
		return nil
	})
}

// lookupLogin looks up either of site's logins and refuses one hostctl
// does not manage.
func lookupLogin(ctx context.Context, conn *pgxpool.Conn, site, role string) (*roleState, error) {
	parent := ""
	if role != site {
		parent = site
	}
	r, err := lookupMember(ctx, conn, role, parent)
	if err != nil || r == nil {
		return nil, err
	}
	if err := r.checkManageable(role); err != nil {
		return nil, err
	}
	return r, nil
}
