package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	nomad "github.com/hashicorp/nomad/api"
	"github.com/urfave/cli/v2"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/deploy"
	"github.com/hostctl/hostctl/siteops"
)

func sitePlanCommand() *cli.Command {
	return &cli.Command{
		Name:      "plan",
		Usage:     "show what apply would change; exit 0 no change, 2 changes (errors: see README, exit codes)",
		ArgsUsage: "PATH",
		Flags:     specFlags(),
		Action: func(c *cli.Context) error {
			sites, err := specArg(c)
			if err != nil {
				return err
			}
			ops, err := siteService(c)
			if err != nil {
				return err
			}
			changed, err := ops.Plan(c.Context, sites)
			if err == nil && changed {
				return cli.Exit("", int(contract.Changes))
			}
			return err
		},
	}
}

func siteListCommand() *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "list deployed sites",
		Flags: []cli.Flag{outputFlag},
		Action: func(c *cli.Context) error {
			ops, err := siteService(c)
			if err != nil {
				return err
			}
			sites, err := ops.List(c.Context)
			if err != nil {
				return err
			}
			return printOut(c, sites, func(w io.Writer) {
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "SITE\tSTATUS\tVERSION\tRUNNING\tSLEEP")
				for _, s := range sites {
					fmt.Fprintf(tw, "%s\t%s\t%d\t%d/%d\t%s\n", s.Name, s.Status, s.Version, s.Running, s.Desired, sleepState(s.Asleep, s.Since))
				}
				tw.Flush()
			})
		},
	}
}

func siteStatusCommand() *cli.Command {
	return &cli.Command{
		Name:      "status",
		Usage:     "instances, nodes, health as Consul sees it, URL, CPU and memory in use",
		ArgsUsage: "SITE",
		Flags:     []cli.Flag{outputFlag},
		Action: onSite(func(c *cli.Context, ops *siteops.Service, site string) error {
			st, err := ops.Status(c.Context, site)
			if err != nil {
				return err
			}
			return printOut(c, st, func(w io.Writer) {
				fmt.Fprintf(w, "site %s: %s, version %d, uid %s, %s\n", st.Name, st.Status, st.Version, st.UID, sleepState(st.Sleep.Asleep, st.Sleep.Since))
				if st.Sleep.SleepAfter > 0 {
					fmt.Fprintf(w, "  sleeps after %s without traffic\n", st.Sleep.SleepAfter)
				}
				if st.Sleep.WakeError != "" {
					fmt.Fprintf(w, "  last wake failed: %s\n", st.Sleep.WakeError)
				}
				for _, d := range st.Domains {
					fmt.Fprintf(w, "  %s\n", siteops.HTTPRouter{BaseURL: c.String("router-url")}.URL(d))
				}
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "INSTANCE\tPROCESS\tNODE\tSTATUS\tHEALTH\tADDRESS\tMEMORY\tCPU")
				for _, in := range st.Instances {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", in.ID, in.Process, in.Node, in.Status, dash(in.Health), dash(in.Address),
						measured(in.MemoryMiB, "%.1f MiB"), measured(in.CPUPct, "%.1f%%"))
				}
				tw.Flush()
			})
		}),
	}
}

func measured(v *float64, format string) string {
	if v == nil {
		return "not measured"
	}
	return fmt.Sprintf(format, *v)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func siteLogsCommand() *cli.Command {
	return &cli.Command{
		Name:      "logs",
		Usage:     "show a process's output from every running instance",
		ArgsUsage: "SITE",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "process", Aliases: []string{"p"}, Value: "web"},
			&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}},
			&cli.BoolFlag{Name: "stderr", Usage: "stderr instead of stdout"},
			&cli.Int64Flag{Name: "tail", Value: 8 << 10, Usage: "bytes from the end of each instance's log"},
		},
		Action: func(c *cli.Context) error {
			site, nc, err := siteAndNomad(c)
			if err != nil {
				return err
			}
			return deploy.Logs(c.Context, nc, site, deploy.LogOptions{
				Process: c.String("process"), Stderr: c.Bool("stderr"), Follow: c.Bool("follow"), TailBytes: c.Int64("tail"),
			}, c.App.Writer)
		},
	}
}

func siteScaleCommand() *cli.Command {
	return &cli.Command{
		Name:      "scale",
		Usage:     "set instance counts: hostctl site scale SITE web=3 worker=1",
		ArgsUsage: "SITE PROCESS=COUNT...",
		Action: func(c *cli.Context) error {
			if c.NArg() < 2 {
				return contract.Errorf(contract.Invalid, "scale takes SITE and one or more PROCESS=COUNT")
			}
			site, err := firstSiteArg(c)
			if err != nil {
				return err
			}
			nc, err := nomadClient(c)
			if err != nil {
				return err
			}
			for _, arg := range c.Args().Tail() {
				proc, n, ok := strings.Cut(arg, "=")
				count, err := strconv.Atoi(n)
				if !ok || err != nil {
					return contract.Errorf(contract.Invalid, "%q: want PROCESS=COUNT", arg)
				}
				if err := deploy.Scale(c.Context, nc, site, proc, count); err != nil {
					return err
				}
				fmt.Fprintf(c.App.Writer, "%s %s scaled to %d\n", site, proc, count)
			}
			return nil
		},
	}
}

func siteRestartCommand() *cli.Command {
	return &cli.Command{
		Name:      "restart",
		Usage:     "replace every instance, each new one started and healthy before an old one stops",
		ArgsUsage: "SITE",
		Action: onSite(func(c *cli.Context, ops *siteops.Service, site string) error {
			return ops.Restart(c.Context, site)
		}),
	}
}

func siteRollbackCommand() *cli.Command {
	return &cli.Command{
		Name:      "rollback",
		Usage:     "go back to VERSION, or to the last stable version before the current one",
		ArgsUsage: "SITE [VERSION]",
		Action: func(c *cli.Context) error {
			if c.NArg() < 1 || c.NArg() > 2 {
				return contract.Errorf(contract.Invalid, "rollback takes SITE [VERSION]")
			}
			site := c.Args().First()
			if err := contract.CheckSiteName(site); err != nil {
				return err
			}
			var version *uint64
			if c.NArg() == 2 {
				v, err := strconv.ParseUint(c.Args().Get(1), 10, 64)
				if err != nil {
					return contract.Errorf(contract.Invalid, "version %q: %w", c.Args().Get(1), err)
				}
				version = &v
			}
			ops, err := siteService(c)
			if err != nil {
				return err
			}
			return ops.Rollback(c.Context, site, version)
		},
	}
}

func siteRunCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run a one-off command in the site's environment: hostctl site run SITE -- CMD ARGS...",
		ArgsUsage: "SITE -- COMMAND [ARGS...]",
		Flags:     []cli.Flag{&cli.DurationFlag{Name: "timeout", Value: 30 * time.Minute}},
		Action: func(c *cli.Context) error {
			if c.NArg() < 2 {
				return contract.Errorf(contract.Invalid, "run takes SITE -- COMMAND [ARGS...]")
			}
			site, err := firstSiteArg(c)
			if err != nil {
				return err
			}
			nc, err := nomadClient(c)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
			defer cancel()
			argv := c.Args().Tail()
			// Flag parsing stopped at SITE, so the "--" is still here.
			if len(argv) > 0 && argv[0] == "--" {
				argv = argv[1:]
			}
			if len(argv) == 0 {
				return contract.Errorf(contract.Invalid, "run takes SITE -- COMMAND [ARGS...]")
			}
			code, err := deploy.Run(ctx, nc, site, argv, c.App.Writer, os.Stderr)
			if err != nil {
				return err
			}
			if code != 0 {
				return cli.Exit("", code)
			}
			return nil
		},
	}
}

// siteAndNomad is the start of every command that acts on one site.
func siteAndNomad(c *cli.Context) (string, *nomad.Client, error) {
	site, err := siteArg(c)
	if err != nil {
		return "", nil, err
	}
	nc, err := nomadClient(c)
	return site, nc, err
}

func siteArg(c *cli.Context) (string, error) {
	site, err := oneArg(c, "SITE")
	if err != nil {
		return "", err
	}
	return site, contract.CheckSiteName(site)
}

// sleepState is a site's sleep in a table cell.
func sleepState(asleep bool, since time.Time) string {
	if !asleep {
		return "awake"
	}
	return "asleep since " + since.Local().Format(time.RFC3339)
}

func siteSleepCommand() *cli.Command {
	return &cli.Command{
		Name:      "sleep",
		Usage:     "put a site to sleep now: no process of it runs; its next request wakes it",
		ArgsUsage: "SITE",
		Action: onSite(func(c *cli.Context, ops *siteops.Service, site string) error {
			return ops.Sleep(c.Context, site)
		}),
	}
}

func siteWakeCommand() *cli.Command {
	return &cli.Command{
		Name:      "wake",
		Usage:     "wake a sleeping site and wait until it is healthy",
		ArgsUsage: "SITE",
		Flags:     []cli.Flag{&cli.DurationFlag{Name: "timeout", Value: 2 * time.Minute}},
		Action: onSite(func(c *cli.Context, ops *siteops.Service, site string) error {
			ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
			defer cancel()
			return ops.Wake(ctx, site)
		}),
	}
}

// onSite is the action of a command that takes one SITE and runs one use
// case on it.
func onSite(run func(c *cli.Context, ops *siteops.Service, site string) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		site, err := siteArg(c)
		if err != nil {
			return err
		}
		ops, err := siteService(c)
		if err != nil {
			return err
		}
		return run(c, ops, site)
	}
}
