package provisioner

import (
	"context"
	"fmt"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/provisioner/postgres"
	"github.com/hostctl/hostctl/secrets"
)

// Rotate gives the site new database credentials without a failed request:
// the login role the instances do not use gets a fresh password and is
// stored, roll deploys the site onto it (a new job version naming the new
// login, so new instances start with the new credentials while the old
// ones keep theirs until replaced), and only then is the old login
// retired.
func (c Config) Rotate(ctx context.Context, nc *nomad.Client, site string, roll func(login string) error) (role string, err error) {
	if err := contract.CheckSiteName(site); err != nil {
		return "", err
	}
	if err := c.needDatabase(site); err != nil {
		return "", err
	}
	stored, err := secrets.Platform(ctx, nc, site)
	if err != nil {
		return "", err
	}
	current := stored[contract.DatabaseKeys["PGUSER"]]
	if current == "" {
		return "", fmt.Errorf("site %s has no database credentials stored; apply a spec with a database block first", site)
	}
	admin, err := postgres.Connect(ctx, c.PGAdminURL)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	cred, err := admin.RotateLogin(ctx, site, current)
	if err != nil {
		return "", err
	}
	if err := c.storeCredentials(ctx, nc, site, cred); err != nil {
		return "", err
	}
	if err := roll(cred.Role); err != nil {
		// Both logins still work: nothing is broken, the rotation is just
		// not finished. Running it again moves to a fresh password.
		return "", fmt.Errorf("new credentials stored as %s, but restarting the site failed (the old login %s still works): %w", cred.Role, current, err)
	}
	if err := admin.RetireLogin(ctx, site, current); err != nil {
		return "", fmt.Errorf("site now uses %s, but retiring %s failed: %w", cred.Role, current, err)
	}
	return cred.Role, nil
}
