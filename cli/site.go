package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/jobs"
	"github.com/hostctl/hostctl/siteops"
)

func siteCommand() *cli.Command {
	return &cli.Command{
		Name:  "site",
		Usage: "deploy and remove sites",
		Subcommands: []*cli.Command{
			{
				Name:      "apply",
				Usage:     "deploy the sites in an HCL spec (a file, or a directory of *.hcl) and wait until they are healthy",
				ArgsUsage: "PATH",
				Flags: append(specFlags(),
					&cli.DurationFlag{Name: "timeout", Value: 5 * time.Minute, Usage: "give up waiting for a healthy deployment after this long"},
					&cli.BoolFlag{Name: "detach", Usage: "return once Nomad has placed the sites, without waiting for them to be healthy"},
					&cli.BoolFlag{Name: "wake", Usage: "deploy a sleeping site awake (without it, a sleeping site's new version starts with its next request)"},
					&cli.BoolFlag{Name: "asleep", Usage: "register the sites asleep: nothing starts until a site's first request (a running site is put to sleep)"},
				),
				Action: siteApply,
			},
			{
				Name:      "validate",
				Usage:     "check a spec without touching the cluster",
				ArgsUsage: "PATH",
				Flags:     specFlags(),
				Action:    siteValidate,
			},
			sitePlanCommand(),
			siteListCommand(),
			siteStatusCommand(),
			siteLogsCommand(),
			siteScaleCommand(),
			siteRestartCommand(),
			siteRollbackCommand(),
			siteRunCommand(),
			siteSleepCommand(),
			siteWakeCommand(),
			siteMoveCommand(),
			{
				Name:      "destroy",
				Usage:     "stop a site and remove its job (its database and media are kept unless --purge)",
				ArgsUsage: "NAME",
				Flags: []cli.Flag{&cli.BoolFlag{Name: "purge", Usage: "also drop its database and media store and its secrets, " +
					"after writing a final pg_dump and media snapshot into the backup dir"}},
				Action: siteDestroy,
			},
		},
	}
}

func oneArg(c *cli.Context, what string) (string, error) {
	if c.NArg() != 1 {
		return "", contract.Errorf(contract.Invalid, "%s takes exactly one %s", c.Command.FullName(), what)
	}
	return c.Args().First(), nil
}

// specFlags are what every command reading a spec takes: its variables,
// and the cluster's settings it is checked against.
func specFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "var", Usage: "set a spec variable: --var name=value (repeatable)"},
		&cli.StringFlag{Name: "source-root", EnvVars: []string{"HOSTCTL_SOURCE_ROOT"}, Usage: "the cluster's source tree: a site's local code is DIR/<site>/<app> (hostctl dev env exports the dev cluster's)"},
		&cli.StringSliceFlag{Name: "trusted-source-host", EnvVars: []string{"HOSTCTL_TRUSTED_SOURCE_HOSTS"}, Usage: "a host or host:port that git and archive sources may use although it is private or loopback (repeatable; comma-separated in the variable)"},
		&cli.StringFlag{Name: "limits", EnvVars: []string{"HOSTCTL_LIMITS"}, Usage: "an HCL file of caps on what a spec may ask for (see docs/site-spec.md); default: the built-in caps"},
	}
}

// specArg parses and validates the spec file or directory named by the
// only argument, with the --var values.
func specArg(c *cli.Context) ([]jobs.Site, error) {
	path, err := oneArg(c, "PATH")
	if err != nil {
		return nil, err
	}
	vars := map[string]string{}
	for _, kv := range c.StringSlice("var") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, contract.Errorf(contract.Invalid, "--var %q: want name=value", kv)
		}
		vars[k] = v
	}
	o := jobs.Options{Vars: vars, SourceRoot: c.String("source-root"), TrustedSourceHosts: c.StringSlice("trusted-source-host")}
	if f := c.String("limits"); f != "" {
		if o.Limits, err = jobs.LoadLimits(f); err != nil {
			return nil, err
		}
	}
	return jobs.ParseWith(path, o)
}

func siteValidate(c *cli.Context) error {
	sites, err := specArg(c)
	if err != nil {
		return err
	}
	for _, s := range sites {
		fmt.Fprintf(c.App.Writer, "%s: site %q ok (%s)\n", c.Args().First(), s.Name, strings.Join(s.Domains, ", "))
	}
	return nil
}

func siteApply(c *cli.Context) error {
	ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
	defer cancel()
	sites, err := specArg(c)
	if err != nil {
		return err
	}
	ops, err := siteService(c)
	if err != nil {
		return err
	}
	return ops.Apply(ctx, sites, siteops.ApplyOptions{Detach: c.Bool("detach"), Wake: c.Bool("wake"), Asleep: c.Bool("asleep")})
}

func siteDestroy(c *cli.Context) error {
	name, err := oneArg(c, "NAME")
	if err != nil {
		return err
	}
	ops, err := siteService(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Context, 10*time.Minute)
	defer cancel()
	return ops.Destroy(ctx, name, c.Bool("purge"))
}
