package provisioner

import (
	"context"
	"fmt"
	"io"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/provisioner/postgres"
	"github.com/hostctl/hostctl/secrets"
)

// Restore loads a pg_dump custom-format archive into the site's database
// as the site itself: with the login and password stored for its
// instances in its Nomad Variables, which Rotate keeps pointing at the
// current login. The archive may come from the site, so it must not run
// with more than the site's own rights; see postgres.Admin.Restore.
func (c Config) Restore(ctx context.Context, nc *nomad.Client, site string, r io.Reader) error {
	if err := contract.CheckSiteName(site); err != nil {
		return err
	}
	if err := c.needDatabase(site); err != nil {
		return err
	}
	stored, err := secrets.Platform(ctx, nc, site)
	if err != nil {
		return err
	}
	k := contract.DatabaseKeys
	login := postgres.Credentials{
		Role:     stored[k["PGUSER"]],
		Password: stored[k["PGPASSWORD"]],
		Database: stored[k["PGDATABASE"]],
	}
	if login.Role == "" || login.Password == "" {
		return fmt.Errorf("site %s has no database credentials stored; apply a spec with a database block first", site)
	}
	admin, err := postgres.Connect(ctx, c.PGAdminURL)
	if err != nil {
		return err
	}
	defer admin.Close()
	return admin.Restore(ctx, site, login, r)
}
