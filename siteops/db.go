package siteops

import (
	"context"
	"fmt"
	"sort"

	"github.com/hostctl/hostctl/contract"
)

// RotateDB gives the site a new database login and rolls its instances
// onto it (a new job version naming the login), without downtime; the
// previous login is retired only after that.
func (s *Service) RotateDB(ctx context.Context, site string) error {
	if err := contract.CheckSiteName(site); err != nil {
		return err
	}
	role, err := s.Provisioner.Rotate(ctx, site, func(login string) error {
		return s.Jobs.SetJobEnv(ctx, site, contract.EnvDBLogin, login, s.Out)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "%s now connects as %s; the previous login is retired\n", site, role)
	return nil
}

// PsqlEnv is the environment that makes psql connect as the site's own
// role: what the site can do, nothing more. Credentials travel in the
// environment because argv is world-readable.
func (s *Service) PsqlEnv(ctx context.Context, site string) ([]string, error) {
	if err := contract.CheckSiteName(site); err != nil {
		return nil, err
	}
	stored, err := s.Secrets.Platform(ctx, site)
	if err != nil {
		return nil, err
	}
	if stored[contract.DatabaseKeys["PGPASSWORD"]] == "" {
		return nil, contract.Errorf(contract.NotFound, "site %s has no database credentials; does its spec have a database block?", site)
	}
	var env []string
	for name, key := range contract.DatabaseKeys {
		// psql reads the PG* variables; DATABASE_URL would only repeat them.
		if name != "DATABASE_URL" {
			env = append(env, name+"="+stored[key])
		}
	}
	sort.Strings(env)
	return env, nil
}
