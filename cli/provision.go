package cli

import (
	"github.com/urfave/cli/v2"

	"github.com/hostctl/hostctl/provisioner"
	"github.com/hostctl/hostctl/siteops"
)

// Where sites' databases, media and backups live. Unset, the spec may ask
// for neither, and is refused before anything is registered if it does;
// a dev cluster's come from `eval "$(hostctl dev env)"`.
var provisionerFlags = []cli.Flag{
	&cli.StringFlag{Name: "pg-admin-url", EnvVars: []string{"HOSTCTL_PG_ADMIN_URL"}, Usage: "superuser URL of the Postgres server sites' databases live on"},
	&cli.StringFlag{Name: "media-root", EnvVars: []string{"HOSTCTL_MEDIA_ROOT"}, Usage: "btrfs store (quotas enabled) holding each site's media subvolume"},
	&cli.StringFlag{Name: "backup-dir", EnvVars: []string{"HOSTCTL_BACKUP_DIR"}, Usage: "where final dumps, snapshots and send streams are written"},
}

func provisionerConfig(c *cli.Context) provisioner.Config {
	return provisioner.Config{
		PGAdminURL: c.String("pg-admin-url"),
		MediaRoot:  c.String("media-root"),
		BackupDir:  c.String("backup-dir"),
	}
}

// siteService is the use cases over the cluster the flags name.
func siteService(c *cli.Context) (*siteops.Service, error) {
	nc, err := nomadClient(c)
	if err != nil {
		return nil, err
	}
	cc, err := consulClient(c)
	if err != nil {
		return nil, err
	}
	return siteops.New(nc, cc, provisionerConfig(c), c.String("router-url"), c.App.Writer), nil
}
