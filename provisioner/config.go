package provisioner

import (
	"fmt"
	"os"

	"github.com/jackc/pgx/v5"

	"github.com/hostctl/hostctl/contract"
)

// Config says where a site's database and files are made. An empty field
// means "not available here": a spec that asks for it is refused before
// anything is registered.
type Config struct {
	// PGAdminURL is a superuser connection to the shared Postgres server
	// (HOSTCTL_PG_ADMIN_URL). Sites connect to the same host and port.
	PGAdminURL string
	// MediaRoot is the btrfs store holding each site's subvolume
	// (HOSTCTL_MEDIA_ROOT); the node that runs the site mounts it there.
	MediaRoot string
	// BackupDir receives the final dump and snapshot of a purged site, and
	// `media send` streams (HOSTCTL_BACKUP_DIR).
	BackupDir string
}

// ConfigFromEnv reads the HOSTCTL_* variables above.
func ConfigFromEnv() Config {
	return Config{
		PGAdminURL: os.Getenv("HOSTCTL_PG_ADMIN_URL"),
		MediaRoot:  os.Getenv("HOSTCTL_MEDIA_ROOT"),
		BackupDir:  os.Getenv("HOSTCTL_BACKUP_DIR"),
	}
}

// pgServer is the host and port sites connect to: the admin URL's.
func (c Config) pgServer() (string, int, error) {
	cfg, err := pgx.ParseConfig(c.PGAdminURL)
	if err != nil {
		return "", 0, fmt.Errorf("HOSTCTL_PG_ADMIN_URL: %w", err)
	}
	return cfg.Host, int(cfg.Port), nil
}

func (c Config) needDatabase(site string) error {
	if c.PGAdminURL == "" {
		return contract.Errorf(contract.Invalid, "site %s has a database block, but no Postgres is configured: set HOSTCTL_PG_ADMIN_URL (the dev cluster sets it: eval \"$(hostctl dev env)\")", site)
	}
	return nil
}

func (c Config) needMedia(site string) error {
	if c.MediaRoot == "" {
		return contract.Errorf(contract.Invalid, "site %s has a media block, but no media store is configured: set HOSTCTL_MEDIA_ROOT to a btrfs mount with quotas enabled", site)
	}
	return nil
}

func (c Config) needBackupDir() error {
	if c.BackupDir == "" {
		return contract.Errorf(contract.Invalid, "no backup dir configured: set HOSTCTL_BACKUP_DIR")
	}
	return nil
}
