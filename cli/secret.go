package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	nomad "github.com/hashicorp/nomad/api"
	"github.com/urfave/cli/v2"

	"github.com/hostctl/hostctl/deploy"
	"github.com/hostctl/hostctl/secrets"
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
	fmt.Fprintf(c.App.Writer, "secret %s of %s set\n", name, site)
	return rollForSecrets(c, nc, site)
}

var noRestartFlag = &cli.BoolFlag{Name: "no-restart", Usage: "only store the change; instances see it when they are next replaced (apply, restart, another secret change)"}

// rollForSecrets replaces the site's instances so they read the changed
// secrets: each new instance starts beside an old one, which stops only
// once the new one is healthy (deploy.Restart). A site not deployed yet
// reads them at its first apply.
func rollForSecrets(c *cli.Context, nc *nomad.Client, site string) error {
	if c.Bool("no-restart") {
		fmt.Fprintf(c.App.Writer, "running instances keep the old values until they are replaced (hostctl site restart %s)\n", site)
		return nil
	}
	deployed, err := deploy.Deployed(c.Context, nc, site)
	if err != nil {
		return err
	}
	if !deployed {
		fmt.Fprintf(c.App.Writer, "%s is not deployed; its instances will read the secret when it is applied\n", site)
		return nil
	}
	return deploy.Restart(c.Context, nc, site, c.App.Writer)
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
	if err := secrets.Unset(c.Context, nc, site, name); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "secret %s of %s removed\n", name, site)
	return rollForSecrets(c, nc, site)
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
