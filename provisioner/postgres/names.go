package postgres

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/hostctl/hostctl/jobs"
)

// ErrInvalidSiteName wraps every rejection of a site name so callers (the
// API) can answer "bad request" without parsing messages.
var ErrInvalidSiteName = errors.New("invalid site name")

// checkSite must run before anything touches the server: the name becomes
// a role, a database and a pg_dump argument.
func checkSite(site string) error {
	if err := jobs.CheckSiteName(site); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSiteName, err)
	}
	return nil
}

// ident quotes a validated site name for use as a role or database name.
// Site names may contain '-', so quoting is always needed, not just safe.
func ident(site string) string {
	return pgx.Identifier{site}.Sanitize()
}
