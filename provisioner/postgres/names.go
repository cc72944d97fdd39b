package postgres

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/hostctl/hostctl/contract"
)

// ErrInvalidSiteName wraps every rejection of a site name so callers (the
// API) can answer "bad request" without parsing messages.
var ErrInvalidSiteName = errors.New("invalid site name")

// checkSite must run before anything touches the server: the name becomes
// a role, a database and a pg_dump argument.
func checkSite(site string) error {
	if err := contract.CheckSiteName(site); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSiteName, err)
	}
	return nil
}

// ident quotes a validated site name for use as a role or database name.
// Site names may contain '-', so quoting is always needed, not just safe.
func ident(site string) string {
	return pgx.Identifier{site}.Sanitize()
}

// altSuffix names a site's second login role. Site names cannot contain
// '_', so "<site>_alt" can never be another site's role.
const altSuffix = "_alt"

// maxIdentLen is NAMEDATALEN-1. Postgres silently truncates longer names,
// which could make "<site>_alt" collide with "<site>"; this constant stops
// compiling (negative uint) if jobs ever allows names that long.
const maxIdentLen = 63

const _ = uint(maxIdentLen - contract.MaxSiteNameLen - len(altSuffix))

func altRole(site string) string { return site + altSuffix }

// ErrNotSiteLogin rejects a role name that is not one of the site's two
// login roles, before anything touches the server.
var ErrNotSiteLogin = errors.New("not a login role of the site")

// LoginRoles returns the site's login roles: the one named after the site,
// which owns its database, and the alternate one rotation switches to.
func LoginRoles(site string) ([]string, error) {
	if err := checkSite(site); err != nil {
		return nil, err
	}
	return []string{site, altRole(site)}, nil
}

// otherLogin validates role as one of site's logins and returns the other.
func otherLogin(site, role string) (string, error) {
	if err := checkSite(site); err != nil {
		return "", err
	}
	switch role {
	case site:
		return altRole(site), nil
	case altRole(site):
		return site, nil
	}
	return "", fmt.Errorf("%w: %q is neither %s nor %s", ErrNotSiteLogin, role, site, altRole(site))
}
