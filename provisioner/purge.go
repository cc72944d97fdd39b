package provisioner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	nomad "github.com/hashicorp/nomad/api"
	"github.com/jackc/pgx/v5"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/provisioner/btrfs"
	"github.com/hostctl/hostctl/provisioner/postgres"
)

// Purge removes a stopped site's database and media store, and its stored
// secrets, after writing a final pg_dump and a send stream of a last
// read-only snapshot into BackupDir/<site>/. Nothing is dropped unless
// every backup was written: "HA is not backups", and neither is a
// database that was dropped by a typo.
func (c Config) Purge(ctx context.Context, nc *nomad.Client, site string, out io.Writer) error {
	if err := contract.CheckSiteName(site); err != nil {
		return err
	}
	hasDB, err := c.hasDatabase(ctx, site)
	if err != nil {
		return err
	}
	root, _, err := c.SiteMediaRoot(ctx, nc, site)
	if err != nil {
		return err
	}
	hasMedia := false
	if root != "" {
		fi, err := os.Stat(filepath.Join(root, "sites", site))
		hasMedia = err == nil && fi.IsDir()
	}
	if (hasDB || hasMedia) && c.needBackupDir() != nil {
		return fmt.Errorf("refusing to purge %s's data without a backup: %w", site, c.needBackupDir())
	}
	dir := filepath.Join(c.BackupDir, site)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	store := &btrfs.Store{Root: root}
	if hasDB {
		file := filepath.Join(dir, "final-"+time.Now().UTC().Format("20060102T150405Z")+".pgdump")
		if err := dumpTo(ctx, c.PGAdminURL, site, file); err != nil {
			return fmt.Errorf("final dump of %s: %w", site, err)
		}
		fmt.Fprintf(out, "%s: final database dump %s\n", site, file)
	}
	if hasMedia {
		snap, err := store.Snapshot(ctx, site)
		if err != nil {
			return err
		}
		stream, err := store.Send(ctx, site, snap.Name, dir)
		if err != nil {
			return fmt.Errorf("final media backup of %s: %w", site, err)
		}
		fmt.Fprintf(out, "%s: final media snapshot %s sent to %s\n", site, snap.Name, stream)
	}
	// Every backup is on disk: now drop.
	if hasDB {
		admin, err := postgres.Connect(ctx, c.PGAdminURL)
		if err != nil {
			return err
		}
		defer admin.Close()
		if err := admin.DropSite(ctx, site); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: database and roles dropped\n", site)
	}
	if hasMedia {
		if err := store.Delete(ctx, site); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: media store and its snapshots deleted\n", site)
	}
	w := (&nomad.WriteOptions{}).WithContext(ctx)
	if _, err := nc.Variables().Delete(contract.MediaPath(site), w); err != nil {
		return err
	}
	_, err = nc.Variables().Delete(contract.SecretsPath(site), w)
	return err
}

func (c Config) hasDatabase(ctx context.Context, site string) (bool, error) {
	if c.PGAdminURL == "" {
		return false, nil
	}
	conn, err := pgx.Connect(ctx, c.PGAdminURL)
	if err != nil {
		return false, err
	}
	defer conn.Close(ctx)
	// The name is a bound parameter, never spliced into the statement.
	var n int
	err = conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", site).Scan(&n)
	return n > 0, err
}

// dumpTo writes the dump next to its final name and renames it, so a
// half-written dump never looks like a backup.
func dumpTo(ctx context.Context, adminURL, site, file string) error {
	tmp := file + ".partial"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	err = postgres.Dump(ctx, adminURL, site, f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, file)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

var errNoMedia = errors.New("no media store")

// Media returns the store holding the site's media (where it is recorded,
// else MediaRoot), or an error saying why there is none.
func (c Config) Media(ctx context.Context, nc *nomad.Client, site string) (*btrfs.Store, error) {
	root, recorded, err := c.SiteMediaRoot(ctx, nc, site)
	if err != nil {
		return nil, err
	}
	if !recorded {
		if err := c.needMedia(site); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(filepath.Join(root, "sites", site)); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("site %s: %w in %s", site, errNoMedia, root)
	}
	return &btrfs.Store{Root: root}, nil
}
