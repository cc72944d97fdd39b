package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/secrets"
	"github.com/hostctl/hostctl/siteops"
)

func secretCommand() *cli.Command {
	return &cli.Command{
		Name:  "secret",
		Usage: "manage a site's secret values (kept in Nomad Variables, never in specs or jobs)",
		Subcommands: []*cli.Command{
			{
				Name:      "set",
				Usage:     "set a secret (the value is read from stdin, so it stays out of shell history and process lists) and replace the site's instances so they see it",
				ArgsUsage: "SITE NAME",
				Flags:     []cli.Flag{noRestartFlag},
				Action:    secretSet,
			},
			{
				Name:      "unset",
				Usage:     "remove a secret and replace the site's instances",
				ArgsUsage: "SITE NAME",
				Flags:     []cli.Flag{noRestartFlag},
				Action:    secretUnset,
			},
			{
				Name:      "list",
				Usage:     "list the names of a site's secrets (never the values)",
				ArgsUsage: "SITE",
				Flags:     []cli.Flag{outputFlag},
				Action:    secretList,
			},
		},
	}
}

func twoArgs(c *cli.Context) (string, string, error) {
	if c.NArg() != 2 {
		return "", "", contract.Errorf(contract.Invalid, "%s takes SITE NAME", c.Command.FullName())
	}
	return c.Args().Get(0), c.Args().Get(1), nil
}

func secretSet(c *cli.Context) error {
	site, name, err := twoArgs(c)
	if err != nil {
		return err
	}
	b, err := io.ReadAll(io.LimitReader(os.Stdin, 64<<10))
	if err != nil {
		return err
	}
	// One trailing newline is what `echo` and heredocs add, not the value.
	value := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if value == "" {
		return contract.Errorf(contract.Invalid, "no value on stdin for %s", name)
	}
	return changeSecret(c, siteops.SecretChange{Site: site, Name: name, Value: value})
}

var noRestartFlag = &cli.BoolFlag{Name: "no-restart", Usage: "only store the change; instances see it when they are next replaced (apply, restart, another secret change)"}

func secretUnset(c *cli.Context) error {
	site, name, err := twoArgs(c)
	if err != nil {
		return err
	}
	return changeSecret(c, siteops.SecretChange{Site: site, Name: name})
}

func changeSecret(c *cli.Context, change siteops.SecretChange) error {
	ops, err := siteService(c)
	if err != nil {
		return err
	}
	change.NoRestart = c.Bool("no-restart")
	return ops.ChangeSecret(c.Context, change)
}

func secretList(c *cli.Context) error {
	site, err := oneArg(c, "SITE")
	if err != nil {
		return err
	}
	nc, err := nomadClient(c)
	if err != nil {
		return err
	}
	names, err := secrets.Names(c.Context, nc, site)
	if err != nil {
		return err
	}
	return printOut(c, names, func(w io.Writer) {
		for _, n := range names {
			fmt.Fprintln(w, n)
		}
	})
}
