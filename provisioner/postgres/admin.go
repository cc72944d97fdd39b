// Package postgres gives each site its own Postgres role and database on a
// shared server, isolated from every other site, and dumps and restores
// those databases.
//
// Every exported function that takes a site name checks it with
// contract.CheckSiteName before it opens a connection or builds a statement, and
// identifiers are quoted by pgx; nothing user-supplied is spliced into SQL
// by hand.
package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Admin holds a pool of superuser connections. A non-superuser admin would
// need CREATEROLE, CREATEDB and membership in every site role (to create
// databases owned by them and to hand them schema public); a superuser is
// the straightforward choice for a platform that owns the server.
type Admin struct {
	pool *pgxpool.Pool
}

// Connect opens and checks a pool to adminURL.
func Connect(ctx context.Context, adminURL string) (*Admin, error) {
	cfg, err := pgxpool.ParseConfig(adminURL)
	if err != nil {
		return nil, fmt.Errorf("parse admin URL: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return &Admin{pool: pool}, nil
}

// Close releases the pool's connections.
func (a *Admin) Close() {
	a.pool.Close()
}

// Options is the desired state of a site's database beyond its existence.
type Options struct {
	// ConnLimit caps the site role's concurrent connections; 0 means no cap
	// (Postgres's -1).
	ConnLimit int
}

// Credentials say how a site connects. Password is only set when it was
// just made (Created or a rotation): the server keeps only a hash, so the
// caller must store it.
type Credentials struct {
	Role     string
	Database string
	Password string
	Created  bool
}

// connLimit maps Options to the server's encoding.
func (o Options) connLimit() (int, error) {
	switch {
	case o.ConnLimit < 0:
		return 0, fmt.Errorf("connection limit %d is negative; use 0 for no limit", o.ConnLimit)
	case o.ConnLimit == 0:
		return -1, nil
	}
	return o.ConnLimit, nil
}

// siteConn runs fn on one pooled connection holding a per-site advisory
// lock, so two controllers provisioning the same site cannot interleave
// CREATE ROLE and CREATE DATABASE.
func (a *Admin) siteConn(ctx context.Context, site string, fn func(*pgxpool.Conn) error) error {
	conn, err := a.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire connection: %w", err)
	}
	defer conn.Release()
	key := lockKey(site)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return fmt.Errorf("lock site %s: %w", site, err)
	}
	defer func() {
		// Use a fresh context: a cancelled ctx must not leave the lock held
		// on a connection that goes back to the pool.
		if _, err := conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", key); err != nil {
			conn.Conn().Close(context.Background()) // closing the session drops its locks
		}
	}()
	return fn(conn)
}

// connectTo opens a separate admin connection to database db, needed for
// statements that act on the current database only (schema privileges).
func (a *Admin) connectTo(ctx context.Context, db string) (*pgx.Conn, error) {
	cfg := a.pool.Config().ConnConfig.Copy()
	cfg.Database = db
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database %s: %w", db, err)
	}
	return conn, nil
}
