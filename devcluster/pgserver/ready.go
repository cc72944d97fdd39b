package pgserver

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// WaitReady polls adminURL with a real login, which proves more than an
// open port: recovery finished and the password works. It gives up at once
// on a rejected password or role, which waiting cannot fix, and otherwise
// when ctx ends.
func WaitReady(ctx context.Context, adminURL string) error {
	var last error
	for {
		attempt, cancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.Connect(attempt, adminURL)
		if err == nil {
			err = conn.Ping(attempt)
			conn.Close(context.Background())
		}
		cancel()
		if err == nil {
			return nil
		}
		if rejected(err) {
			return fmt.Errorf("postgres refused the login: %w", err)
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("postgres not ready: %w (last attempt: %v)", ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// rejected reports an authentication failure. A server still starting
// answers with 57P03 (cannot_connect_now), never with these.
func rejected(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) &&
		(pgErr.Code == "28P01" || pgErr.Code == "28000") // invalid_password, invalid_authorization_specification
}
