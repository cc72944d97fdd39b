package devcluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/hostctl/hostctl/devcluster/btrfsloop"
	"github.com/hostctl/hostctl/devcluster/pgserver"
)

// The dev cluster's data services: its own Postgres (own data dir and
// port, never the system's) and a btrfs media store in a loop-mounted
// image. Unlike Nomad's state, their data is kept across down/up: `down`
// stops them, `down --purge` deletes them with the state dir.

// MediaImageBytes is the size of the sparse btrfs image: room for the
// quotas of a few dozen small sites, costing disk only as it fills.
var MediaImageBytes int64 = 4 << 30

func (c Config) postgresDir() string { return c.path("postgres") }
func (c Config) pgURLFile() string   { return c.path("etc", "pg-admin.url") }

// MediaRoot is where the media store is mounted; BackupDir receives final
// dumps and snapshot streams.
func (c Config) MediaRoot() string { return c.NodeMediaRoot(1) }
func (c Config) BackupDir() string { return c.path("backups") }

// PGAdminURL is the superuser URL of the dev cluster's Postgres, recorded
// by `up`; "" before the first `up`.
func (c Config) PGAdminURL() string {
	b, err := os.ReadFile(c.pgURLFile())
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// postgresCmd prepares the cluster's Postgres (creating it on first use)
// and records its admin URL for the CLI and the readiness probe.
func postgresCmd(c Config, _ int) (*exec.Cmd, error) {
	srv, cmd, err := pgserver.Prepare(c.postgresDir(), c.Ports.Postgres)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(c.pgURLFile(), []byte(srv.AdminURL()+"\n"), 0o600); err != nil {
		return nil, err
	}
	return cmd, nil
}

func postgresReady(ctx context.Context, _ Config, _ int, p *probes) error {
	if p.pgAdminURL == "" {
		return errors.New("no admin URL recorded yet")
	}
	return pgserver.WaitReady(ctx, p.pgAdminURL)
}

// mountMedia mounts every node's media store unless it already is.
func (c Config) mountMedia(out io.Writer) error {
	for k := 1; k <= c.NodeCount(); k++ {
		if err := c.mountMediaOf(k, out); err != nil {
			return err
		}
	}
	return os.MkdirAll(c.BackupDir(), 0o700)
}

func (c Config) mountMediaOf(k int, out io.Writer) error {
	img, root := c.mediaImageOf(k), c.NodeMediaRoot(k)
	m, err := btrfsloop.Mounted(img, root)
	if err != nil {
		return err
	}
	if m.Device != "" {
		return nil
	}
	l, err := btrfsloop.Mount(img, MediaImageBytes, root)
	if err != nil {
		return fmt.Errorf("media store: %w", err)
	}
	// Site users pass through to their own subvolume (0750, theirs); the
	// store's top levels list nothing to them.
	if err := os.Chmod(root, 0o711); err != nil {
		return err
	}
	fmt.Fprintf(out, "%-8s btrfs %s mounted at %s (%s)\n", "media", img, root, l.Device)
	return nil
}

// unmountMedia unmounts every node's media store and detaches its loop
// device.
func (c Config) unmountMedia(out io.Writer) error {
	var errs []error
	for k := 1; k <= c.NodeCount(); k++ {
		m, err := btrfsloop.Mounted(c.mediaImageOf(k), c.NodeMediaRoot(k))
		if err != nil || m.Device == "" {
			errs = append(errs, err)
			continue
		}
		if err := m.Close(); err != nil {
			errs = append(errs, fmt.Errorf("media store: %w", err))
			continue
		}
		fmt.Fprintf(out, "%-8s unmounted %s\n", "media", c.NodeMediaRoot(k))
	}
	return errors.Join(errs...)
}
