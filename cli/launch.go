package cli

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/hostctl/hostctl/sandbox"
)

// launchCommand is what Nomad runs for every site task (see package
// sandbox); operators never call it by hand.
func launchCommand() *cli.Command {
	return &cli.Command{
		Name:      "launch",
		Usage:     "run a command as a site inside its Nomad task (used by site jobs)",
		ArgsUsage: "-- COMMAND [ARGS...]",
		Hidden:    true,
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "uid", Required: true, Usage: "the site's uid (also its gid)"},
			&cli.StringSliceFlag{Name: "write", Usage: "another directory the site may write"},
			&cli.StringFlag{Name: "app", Usage: "the site's code, copied privately into the allocation and used as the working directory"},
		},
		Action: func(c *cli.Context) error {
			dirs, err := sandbox.DirsFromEnv()
			if err != nil {
				return err
			}
			err = sandbox.Launch(sandbox.Spec{
				UID:           c.Int("uid"),
				App:           c.String("app"),
				Dirs:          dirs,
				ExtraWritable: c.StringSlice("write"),
				Argv:          c.Args().Slice(),
			})
			return fmt.Errorf("launch: %w", err)
		},
	}
}
