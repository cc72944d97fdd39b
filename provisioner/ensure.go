package provisioner

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/jobs"
	"github.com/hostctl/hostctl/provisioner/btrfs"
	"github.com/hostctl/hostctl/provisioner/postgres"
	"github.com/hostctl/hostctl/secrets"
)

// Check refuses, before anything is made or registered, sites that ask for
// what this configuration cannot give.
func (c Config) Check(sites []jobs.Site) error {
	for _, s := range sites {
		if s.Database != nil {
			if err := c.needDatabase(s.Name); err != nil {
				return err
			}
		}
		if s.Media != nil {
			if err := c.needMedia(s.Name); err != nil {
				return err
			}
		}
	}
	return nil
}

// Ensure makes what the site asks for, running as uid, and fills in
// s.Media so the job can be rendered: its database (credentials into the
// site's Nomad Variables) and its media subvolume. It is safe to repeat:
// an existing database and subvolume are kept, a changed connection limit
// or quota is applied.
func (c Config) Ensure(ctx context.Context, nc *nomad.Client, s *jobs.Site, uid int) error {
	if s.Database != nil {
		if err := c.ensureDatabase(ctx, nc, s); err != nil {
			return fmt.Errorf("database for %s: %w", s.Name, err)
		}
	}
	if s.Media != nil {
		if err := c.ensureMedia(ctx, nc, s, uid); err != nil {
			return fmt.Errorf("media store for %s: %w", s.Name, err)
		}
	}
	return nil
}

// ensureMedia makes the subvolume in the store the site's media is
// recorded in (where `site move` put it), else in MediaRoot, recording
// that there: the next apply must not start an empty store elsewhere.
func (c Config) ensureMedia(ctx context.Context, nc *nomad.Client, s *jobs.Site, uid int) error {
	root, recorded, err := c.SiteMediaRoot(ctx, nc, s.Name)
	if err != nil {
		return err
	}
	if !recorded {
		if err := c.needMedia(s.Name); err != nil {
			return err
		}
		if err := contract.CheckMediaRoot(root); err != nil {
			return err
		}
	}
	dir, err := (&btrfs.Store{Root: root}).Ensure(ctx, s.Name, uid, uid, s.Media.QuotaBytes)
	if err != nil {
		return err
	}
	if !recorded {
		if err := firstRecord(ctx, nc, s.Name, root); err != nil {
			return err
		}
	}
	s.Media.Root, s.Media.Dir = root, dir
	return nil
}

func (c Config) ensureDatabase(ctx context.Context, nc *nomad.Client, s *jobs.Site) error {
	if err := c.needDatabase(s.Name); err != nil {
		return err
	}
	admin, err := postgres.Connect(ctx, c.PGAdminURL)
	if err != nil {
		return err
	}
	defer admin.Close()
	cred, err := admin.EnsureSite(ctx, s.Name, postgres.Options{ConnLimit: s.Database.ConnectionLimit})
	if err != nil {
		return err
	}
	if cred.Created {
		s.Database.Login = cred.Role
		return c.storeCredentials(ctx, nc, s.Name, cred)
	}
	stored, err := secrets.Platform(ctx, nc, s.Name)
	if err != nil {
		return err
	}
	if stored[contract.DatabaseKeys["PGPASSWORD"]] != "" {
		s.Database.Login = stored[contract.DatabaseKeys["PGUSER"]]
		return nil
	}
	// The server keeps only a hash: credentials lost with the control
	// plane's state are replaced, not recovered.
	pw, err := admin.RotatePassword(ctx, s.Name)
	if err != nil {
		return err
	}
	s.Database.Login = s.Name
	return c.storeCredentials(ctx, nc, s.Name, postgres.Credentials{Role: s.Name, Database: s.Name, Password: pw})
}

// storeCredentials keeps what the site's processes need to connect in its
// Nomad Variables, where only its own tasks (and operators) can read them.
func (c Config) storeCredentials(ctx context.Context, nc *nomad.Client, site string, cred postgres.Credentials) error {
	host, port, err := c.pgServer()
	if err != nil {
		return err
	}
	k := contract.DatabaseKeys
	return secrets.SetPlatform(ctx, nc, site, map[string]string{
		k["DATABASE_URL"]: postgres.URL(host, port, cred),
		k["PGHOST"]:       host,
		k["PGPORT"]:       strconv.Itoa(port),
		k["PGUSER"]:       cred.Role,
		k["PGPASSWORD"]:   cred.Password,
		k["PGDATABASE"]:   cred.Database,
	})
}

// Describe fills in s.Media and s.Database as Ensure would, without making
// anything, so `plan` renders the job that `apply` will register.
func (c Config) Describe(ctx context.Context, nc *nomad.Client, s *jobs.Site) error {
	if s.Media != nil {
		root, _, err := c.SiteMediaRoot(ctx, nc, s.Name)
		if err != nil {
			return err
		}
		if root != "" {
			s.Media.Root, s.Media.Dir = root, filepath.Join(root, "sites", s.Name)
		}
	}
	if s.Database != nil {
		stored, err := secrets.Platform(ctx, nc, s.Name)
		if err != nil {
			return err
		}
		if s.Database.Login = stored[contract.DatabaseKeys["PGUSER"]]; s.Database.Login == "" {
			s.Database.Login = s.Name // what a first apply creates
		}
	}
	return nil
}
