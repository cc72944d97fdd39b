package cli

import (
	"github.com/urfave/cli/v2"

	"github.com/hostctl/hostctl/devcluster"
	"github.com/hostctl/hostctl/provisioner"
)

// Where sites' databases, media and backups live. Unset, they fall back to
// the dev cluster's, if one has been started in the state dir.
var provisionerFlags = []cli.Flag{
	&cli.StringFlag{Name: "pg-admin-url", EnvVars: []string{"HOSTCTL_PG_ADMIN_URL"}, Usage: "superuser URL of the Postgres server sites' databases live on"},
	&cli.StringFlag{Name: "media-root", EnvVars: []string{"HOSTCTL_MEDIA_ROOT"}, Usage: "btrfs store (quotas enabled) holding each site's media subvolume"},
	&cli.StringFlag{Name: "backup-dir", EnvVars: []string{"HOSTCTL_BACKUP_DIR"}, Usage: "where final dumps, snapshots and send streams are written"},
	&cli.StringFlag{Name: "dev-state-dir", EnvVars: []string{"HOSTCTL_STATE_DIR"}, Value: "/var/lib/hostctl/dev", Hidden: true},
}

func provisionerConfig(c *cli.Context) provisioner.Config {
	cfg := provisioner.Config{
		PGAdminURL: c.String("pg-admin-url"),
		MediaRoot:  c.String("media-root"),
		BackupDir:  c.String("backup-dir"),
	}
	dev, err := devcluster.LoadConfig(c.String("dev-state-dir"))
	if err != nil {
		return cfg
	}
	if cfg.PGAdminURL == "" {
		cfg.PGAdminURL = dev.PGAdminURL()
	}
	if cfg.MediaRoot == "" {
		cfg.MediaRoot = dev.MediaRoot()
	}
	if cfg.BackupDir == "" {
		cfg.BackupDir = dev.BackupDir()
	}
	return cfg
}
