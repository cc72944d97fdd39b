package postgres

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
)

// EnsureSite makes the server match the desired state for site: a LOGIN
// role and a database it owns that no other non-superuser role can connect
// to or create objects in, on a server whose maintenance databases
// ("postgres", template1) PUBLIC cannot connect to either: it revokes
// that, with a warning, where it finds it granted. It is safe to repeat;
// only a new role gets a password (Created is then true), and a changed
// ConnLimit is applied, to the alternate login too once RotateLogin has
// made one.
func (a *Admin) EnsureSite(ctx context.Context, site string, opt Options) (Credentials, error) {
	if err := checkSite(site); err != nil {
		return Credentials{}, err
	}
	limit, err := opt.connLimit()
	if err != nil {
		return Credentials{}, err
	}
	// Before any login exists that could use the opening.
	if err := a.closeMaintenanceDBs(ctx); err != nil {
		return Credentials{}, err
	}
	cred := Credentials{Role: site, Database: site}
	err = a.siteConn(ctx, site, func(conn *pgxpool.Conn) error {
		// First, so a foreign role on the alternate name is refused before
		// a new site role exists to be undone.
		if err := syncAltLimit(ctx, conn, site, limit); err != nil {
			return err
		}
		var err error
		cred.Password, cred.Created, err = ensureRole(ctx, conn, site, limit)
		if err != nil {
			return err
		}
		dbCreated, err := a.ensureDatabase(ctx, conn, site)
		if err != nil && cred.Created {
			// The new password dies with this call, so a half-made site
			// would need a manual rotation; undo it so a retry starts clean.
			undo(conn, site, dbCreated)
		}
		return err
	})
	if err != nil {
		return Credentials{}, err
	}
	return cred, nil
}

func ensureRole(ctx context.Context, conn *pgxpool.Conn, site string, limit int) (password string, created bool, err error) {
	role, err := lookupRole(ctx, conn, site)
	if err != nil {
		return "", false, err
	}
	if role == nil {
		if err := usingSCRAM(ctx, conn); err != nil {
			return "", false, err
		}
		password = NewPassword()
		pw, err := setPasswordSQL(conn, password)
		if err != nil {
			return "", false, err
		}
		if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE ROLE %s LOGIN %s CONNECTION LIMIT %d",
			ident(site), pw, limit)); err != nil {
			return "", false, fmt.Errorf("create role %s: %w", site, err)
		}
		// The mark goes on in a second statement; if it fails the role is
		// unmarked and EnsureSite would refuse it forever, so undo.
		mark, err := literal(conn, managedComment)
		if err == nil {
			_, err = conn.Exec(ctx, "COMMENT ON ROLE "+ident(site)+" IS "+mark)
		}
		if err != nil {
			_, _ = conn.Exec(context.Background(), "DROP ROLE IF EXISTS "+ident(site))
			return "", false, fmt.Errorf("mark role %s: %w", site, err)
		}
		return password, true, nil
	}
	if err := role.checkManageable(site); err != nil {
		return "", false, err
	}
	if !role.canLogin {
		if _, err := conn.Exec(ctx, "ALTER ROLE "+ident(site)+" LOGIN"); err != nil {
			return "", false, fmt.Errorf("allow login for %s: %w", site, err)
		}
	}
	if role.connLimit != limit {
		if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER ROLE %s CONNECTION LIMIT %d", ident(site), limit)); err != nil {
			return "", false, fmt.Errorf("set connection limit for %s: %w", site, err)
		}
	}
	return "", false, nil
}

// syncAltLimit keeps the alternate login's cap equal to the site role's:
// instances on either role must get the same limit, whichever they use.
func syncAltLimit(ctx context.Context, conn *pgxpool.Conn, site string, limit int) error {
	alt, err := lookupLogin(ctx, conn, site, altRole(site))
	if err != nil || alt == nil || alt.connLimit == limit {
		return err
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER ROLE %s CONNECTION LIMIT %d", ident(altRole(site)), limit)); err != nil {
		return fmt.Errorf("set connection limit for %s: %w", altRole(site), err)
	}
	return nil
}

// ensureDatabase reports whether it created the database so a failed
// EnsureSite removes only what it made.
func (a *Admin) ensureDatabase(ctx context.Context, conn *pgxpool.Conn, site string) (created bool, err error) {
	owner, err := databaseOwner(ctx, conn, site)
	if err != nil {
		return false, err
	}
	switch owner {
	case "":
		// template0 so whatever an operator put in template1 does not leak
		// into every site.
		if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s OWNER %s TEMPLATE template0 ENCODING 'UTF8'",
			ident(site), ident(site))); err != nil {
			return false, fmt.Errorf("create database %s: %w", site, err)
		}
		created = true
	case site:
	default:
		return false, fmt.Errorf("database %s exists and is owned by %s, not the site role; refusing to take it over", site, owner)
	}
	for _, stmt := range []string{
		"REVOKE CONNECT ON DATABASE " + ident(site) + " FROM PUBLIC",
		"GRANT CONNECT ON DATABASE " + ident(site) + " TO " + ident(site),
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return created, fmt.Errorf("database %s privileges: %w", site, err)
		}
	}
	return created, a.lockDownPublicSchema(ctx, site)
}

// lockDownPublicSchema runs inside the site's database because schema
// privileges are per database. Postgres 15 already withholds CREATE from
// PUBLIC, but older servers and modified templates do not.
func (a *Admin) lockDownPublicSchema(ctx context.Context, site string) error {
	db, err := a.connectTo(ctx, site)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	for _, stmt := range []string{
		"REVOKE CREATE ON SCHEMA public FROM PUBLIC",
		"ALTER SCHEMA public OWNER TO " + ident(site),
	} {
		if _, err := db.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("schema public in %s: %w", site, err)
		}
	}
	return nil
}

// undo is best effort and runs even if ctx was cancelled, since it cleans
// up after a failure that may have been the cancellation.
func undo(conn *pgxpool.Conn, site string, dbCreated bool) {
	ctx := context.Background()
	stmts := []string{"DROP ROLE IF EXISTS " + ident(site)}
	if dbCreated {
		stmts = append([]string{"DROP DATABASE IF EXISTS " + ident(site) + " WITH (FORCE)"}, stmts...)
	}
	for _, stmt := range stmts {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			slog.Warn("undo half-created site", "site", site, "err", err)
		}
	}
}
