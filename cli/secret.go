package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/hostctl/hostctl/secrets"
)

func secretCommand() *cli.Command {
	return &cli.Command{
		Name:  "secret",
		Usage: "manage a site's secret values (kept in Nomad Variables, never in specs or jobs)",
		Subcommands: []*cli.Command{
			{
				Name:      "set",
				Usage:     "set a secret; the value is read from stdin so it stays out of shell history and process lists",
				ArgsUsage: "SITE NAME",
				Action:    secretSet,
			},
			{
				Name:      "unset",
				Usage:     "remove a secret",
				ArgsUsage: "SITE NAME",
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
		return "", "", fmt.Errorf("%s takes SITE NAME", c.Command.FullName())
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
		return fmt.Errorf("no value on stdin for %s", name)
	}
	nc, err := nomadClient(c)
	if err != nil {
		return err
	}
	if err := secrets.Set(c.Context, nc, site, name, value); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "secret %s of %s set; running instances pick it up when Nomad re-renders it (they restart)\n", name, site)
	return nil
}

func secretUnset(c *cli.Context) error {
	site, name, err := twoArgs(c)
	if err != nil {
		return err
	}
	nc, err := nomadClient(c)
	if err != nil {
		return err
	}
	return secrets.Unset(c.Context, nc, site, name)
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
