package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/hostctl/hostctl/devcluster"
	"github.com/hostctl/hostctl/internal/toolcache"
)

var stateDirFlag = &cli.StringFlag{
	Name: "state-dir", EnvVars: []string{"HOSTCTL_STATE_DIR"}, Value: "/var/lib/hostctl/dev",
	Usage: "where the dev cluster keeps its data, configs, logs and pid files",
}

func devCommand() *cli.Command {
	return &cli.Command{
		Name:  "dev",
		Usage: "run a one-machine cluster (Consul, Nomad, router) for development and tests",
		Subcommands: []*cli.Command{
			{
				Name:  "up",
				Usage: "start the dev cluster (safe to run again)",
				Flags: []cli.Flag{
					stateDirFlag,
					&cli.StringFlag{Name: "nomad-bin", EnvVars: []string{"HOSTCTL_NOMAD_BIN"}, Value: toolcache.Path("nomad")},
					&cli.StringFlag{Name: "consul-bin", EnvVars: []string{"HOSTCTL_CONSUL_BIN"}, Value: toolcache.Path("consul")},
					&cli.IntFlag{Name: "port-base", EnvVars: []string{"HOSTCTL_PORT_BASE"}, Usage: "use 9 consecutive ports from here instead of the upstream defaults (4646, 8500, 8080, ...)"},
					&cli.IntFlag{Name: "nodes", Value: 1, Usage: "simulated nodes, each its own Consul and Nomad agent on its own loopback address (1, or 3 to 9: the first 3 run the servers, the first 2 a router each)"},
					&cli.StringFlag{Name: "node-net", Usage: "the nodes' addresses are NET.1, NET.2, ... (default 127.0.0)"},
				},
				Action: devUp,
			},
			{
				Name:   "down",
				Usage:  "stop every site and every process the dev cluster started",
				Flags:  []cli.Flag{stateDirFlag, &cli.BoolFlag{Name: "purge", Usage: "also delete the state dir"}},
				Action: devDown,
			},
			{
				Name:   "status",
				Usage:  "show what runs and whether it is healthy (exit 1 if anything is not)",
				Flags:  []cli.Flag{stateDirFlag, outputFlag},
				Action: devStatus,
			},
			{
				Name:   "env",
				Usage:  "print shell exports that point nomad, consul and hostctl at the dev cluster",
				Flags:  []cli.Flag{stateDirFlag},
				Action: devEnv,
			},
		},
	}
}

func devUp(c *cli.Context) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cfg := devcluster.Config{
		StateDir:   c.String("state-dir"),
		NomadBin:   c.String("nomad-bin"),
		ConsulBin:  c.String("consul-bin"),
		HostctlBin: self,
		Ports:      devcluster.DefaultPorts,
		Nodes:      c.Int("nodes"),
		NodeNet:    c.String("node-net"),
	}
	prev, err := devcluster.LoadConfig(cfg.StateDir)
	switch {
	case err == nil && devcluster.AnyRunning(prev):
		// A second `up` attaches to the running cluster rather than starting
		// a second one on other ports.
		if c.IsSet("port-base") && devcluster.PortsFrom(c.Int("port-base")) != prev.Ports {
			return fmt.Errorf("the dev cluster in %s is running on other ports; run `hostctl dev down` first", cfg.StateDir)
		}
		cfg.Ports = prev.Ports
		if (c.IsSet("nodes") && cfg.NodeCount() != prev.NodeCount()) || (c.IsSet("node-net") && cfg.NodeNet != prev.NodeNet) {
			return fmt.Errorf("the dev cluster in %s is running with %d node(s); run `hostctl dev down` first", cfg.StateDir, prev.NodeCount())
		}
		cfg.Nodes, cfg.NodeNet = prev.Nodes, prev.NodeNet
	case c.IsSet("port-base"):
		cfg.Ports = devcluster.PortsFrom(c.Int("port-base"))
	case err == nil:
		// Restarting a stopped cluster keeps its ports, so the exports
		// from `hostctl dev env` stay true, and its nodes.
		cfg.Ports = prev.Ports
		if !c.IsSet("nodes") {
			cfg.Nodes = prev.Nodes
		}
		if !c.IsSet("node-net") {
			cfg.NodeNet = prev.NodeNet
		}
	}
	if cfg.Ports.Postgres == 0 { // saved by a version without Postgres
		cfg.Ports.Postgres = devcluster.DefaultPorts.Postgres
	}
	out := c.App.Writer
	if err := devcluster.Up(c.Context, cfg, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nhostctl dev cluster is up.\n  router     %s\n  consul UI  http://%s/ui/\n  nomad UI   %s/ui/\n", cfg.RouterURL(), cfg.ConsulAddr(), cfg.NomadAddr())
	if cfg.RouterCount() > 1 {
		fmt.Fprintf(out, "  router 2   %s\n  nodes      %d (%s to %s)\n", cfg.NodeRouterURL(2), cfg.NodeCount(), cfg.NodeAddr(1), cfg.NodeAddr(cfg.NodeCount()))
	}
	fmt.Fprintln(out)
	if cfg.Ports != devcluster.DefaultPorts {
		fmt.Fprintf(out, "Point hostctl at it with:  eval \"$(hostctl dev env --state-dir %s)\"\n", cfg.StateDir)
	}
	return nil
}

func devDown(c *cli.Context) error {
	cfg, err := devcluster.LoadConfig(c.String("state-dir"))
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(c.App.Writer, "no dev cluster in %s\n", c.String("state-dir"))
		return nil
	}
	if err != nil {
		return err
	}
	return devcluster.Down(c.Context, cfg, c.App.Writer, c.Bool("purge"))
}

func devStatus(c *cli.Context) error {
	cfg, err := devcluster.LoadConfig(c.String("state-dir"))
	if err != nil {
		return fmt.Errorf("no dev cluster in %s: %w", c.String("state-dir"), err)
	}
	st := devcluster.Status(c.Context, cfg)
	err = printOut(c, st, func(w io.Writer) {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "COMPONENT\tPID\tRUNNING\tHEALTHY\tDETAIL")
		for _, s := range st {
			fmt.Fprintf(tw, "%s\t%d\t%v\t%v\t%s\n", s.Name, s.PID, s.Running, s.Healthy, s.Detail)
		}
		tw.Flush()
	})
	if err != nil {
		return err
	}
	for _, s := range st {
		if !s.Healthy {
			return cli.Exit("", 1)
		}
	}
	return nil
}

func devEnv(c *cli.Context) error {
	cfg, err := devcluster.LoadConfig(c.String("state-dir"))
	if err != nil {
		return fmt.Errorf("no dev cluster in %s: %w", c.String("state-dir"), err)
	}
	fmt.Fprintf(c.App.Writer, "export NOMAD_ADDR=%s\nexport CONSUL_HTTP_ADDR=%s\nexport HOSTCTL_ROUTER_URL=%s\n",
		cfg.NomadAddr(), cfg.ConsulAddr(), cfg.RouterURL())
	fmt.Fprintf(c.App.Writer, "export HOSTCTL_PG_ADMIN_URL=%q\nexport HOSTCTL_MEDIA_ROOT=%s\nexport HOSTCTL_BACKUP_DIR=%s\n",
		cfg.PGAdminURL(), cfg.MediaRoot(), cfg.BackupDir())
	fmt.Fprintf(c.App.Writer, "export HOSTCTL_SOURCE_ROOT=%s\n", cfg.SourceRoot())
	// The operator's tokens: the CLI, and the stock nomad and consul CLIs,
	// read these. They are the clusters' management tokens.
	t, err := cfg.Tokens()
	if err != nil {
		return fmt.Errorf("the dev cluster's tokens: %w", err)
	}
	fmt.Fprintf(c.App.Writer, "export NOMAD_TOKEN=%s\nexport CONSUL_HTTP_TOKEN=%s\n", t.NomadManagement.SecretID, t.ConsulManagement.SecretID)
	fmt.Fprintf(c.App.Writer, "# the Consul UI's read-only token (Log in, top right): %s\n", t.UIReadOnly.SecretID)
	return nil
}
