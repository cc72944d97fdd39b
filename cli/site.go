package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	nomad "github.com/hashicorp/nomad/api"
	"github.com/urfave/cli/v2"

	"github.com/hostctl/hostctl/accounts"
	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/deploy"
	"github.com/hostctl/hostctl/jobs"
	"github.com/hostctl/hostctl/secrets"
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
		return "", fmt.Errorf("%s takes exactly one %s", c.Command.FullName(), what)
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

// specForCluster is the start of every command that compares a spec with
// the cluster (plan, apply): the spec parsed and valid, a Nomad client, and
// no domain another site in the cluster already claims.
func specForCluster(ctx context.Context, c *cli.Context) ([]jobs.Site, *nomad.Client, error) {
	_, sites, err := specArg(c)
	if err != nil {
		return nil, nil, err
	}
	nc, err := nomadClient(c)
	if err != nil {
		return nil, nil, err
	}
	return sites, nc, deploy.CheckDomains(ctx, nc, sites)
}

// specArg parses and validates the spec file or directory named by the
// only argument, with the --var values.
func specArg(c *cli.Context) (string, []jobs.Site, error) {
	path, err := oneArg(c, "PATH")
	if err != nil {
		return "", nil, err
	}
	vars := map[string]string{}
	for _, kv := range c.StringSlice("var") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return "", nil, fmt.Errorf("--var %q: want name=value", kv)
		}
		vars[k] = v
	}
	o := jobs.Options{Vars: vars, SourceRoot: c.String("source-root"), TrustedSourceHosts: c.StringSlice("trusted-source-host")}
	if f := c.String("limits"); f != "" {
		if o.Limits, err = jobs.LoadLimits(f); err != nil {
			return "", nil, err
		}
	}
	sites, err := jobs.ParseWith(path, o)
	return path, sites, err
}

func siteValidate(c *cli.Context) error {
	file, sites, err := specArg(c)
	if err != nil {
		return err
	}
	for _, s := range sites {
		fmt.Fprintf(c.App.Writer, "%s: site %q ok (%s)\n", file, s.Name, strings.Join(s.Domains, ", "))
	}
	return nil
}

// siteApply validates the whole file before registering anything, so a
// mistake in the third site does not leave the first two half-deployed.
func siteApply(c *cli.Context) error {
	ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
	defer cancel()
	// Everything that can be checked is checked for every site before the
	// first one is registered.
	sites, nc, err := specForCluster(ctx, c)
	if err != nil {
		return err
	}
	for _, s := range sites {
		if err := secrets.CheckSet(ctx, nc, s.Name, s.Secrets); err != nil {
			return err
		}
	}
	prov := provisionerConfig(c)
	if err := prov.Check(sites); err != nil {
		return err
	}
	out := c.App.Writer
	for _, s := range sites {
		t0 := time.Now()
		uid, err := accounts.UID(ctx, nc, s.Name)
		if err != nil {
			return fmt.Errorf("%s: assigning its uid: %w", s.Name, err)
		}
		// Its database and media store exist before its job: the release
		// step (migrations) needs them.
		if err := prov.Ensure(ctx, nc, &s, uid); err != nil {
			return err
		}
		if c.Bool("detach") {
			if err := deploy.Register(ctx, nc, jobs.Render(s, uid)); err != nil {
				return err
			}
			if err := deploy.SyncCrons(ctx, nc, s.Name, jobs.RenderCrons(s, uid), out); err != nil {
				return err
			}
			fmt.Fprintf(out, "%s registered; follow it with `hostctl site status %s`\n", s.Name, s.Name)
			continue
		}
		if err := deploy.Apply(ctx, nc, jobs.Render(s, uid), out); err != nil {
			return err
		}
		// Crons follow only a healthy deploy: they run the new code.
		if err := deploy.SyncCrons(ctx, nc, s.Name, jobs.RenderCrons(s, uid), out); err != nil {
			return err
		}
		routerURL := c.String("router-url")
		if err := waitRouted(ctx, routerURL, s.Domains[0]); err != nil {
			fmt.Fprintf(out, "%s: healthy in Nomad, but the router at %s does not route it yet: %v\n", s.Name, routerURL, err)
			continue
		}
		fmt.Fprintf(out, "%s is live in %s: %s\n  curl -H 'Host: %s' %s/\n",
			s.Name, time.Since(t0).Round(100*time.Millisecond), siteURL(routerURL, s.Domains[0]), s.Domains[0], routerURL)
	}
	return nil
}

// waitRouted waits until the router has learned the site from Consul, so the
// URL printed next works the moment the user pastes it.
func waitRouted(ctx context.Context, routerURL, host string) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	var last string
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodHead, routerURL+"/", nil)
		if err != nil {
			return err
		}
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusServiceUnavailable && resp.StatusCode != http.StatusBadGateway {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("last answer: %s", last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// siteURL is the address a browser can use: *.localhost names resolve to
// loopback in browsers and curl, other domains need DNS pointing at the
// router.
func siteURL(routerURL, domain string) string {
	port := ""
	if i := strings.LastIndexByte(routerURL, ':'); i > len("http://") {
		port = routerURL[i:]
	}
	return "http://" + domain + port + "/"
}

func siteDestroy(c *cli.Context) error {
	name, err := oneArg(c, "NAME")
	if err != nil {
		return err
	}
	if err := contract.CheckSiteName(name); err != nil {
		return err
	}
	nc, err := nomadClient(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Context, 10*time.Minute)
	defer cancel()
	if err := deploy.Destroy(ctx, nc, name); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "site %s destroyed\n", name)
	if c.Bool("purge") {
		return provisionerConfig(c).Purge(ctx, nc, name, c.App.Writer)
	}
	return nil
}
