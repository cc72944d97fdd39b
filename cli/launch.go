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
			&cli.StringFlag{Name: "python", Usage: "the site's interpreter; a virtualenv of it (with system packages) is put first on PATH"},
			&cli.StringFlag{Name: "requirements", Usage: "pip requirements file, relative to the app, installed into the virtualenv"},
			&cli.BoolFlag{Name: "requirements-required", Usage: "fail if the requirements file is missing"},
		},
		Action: func(c *cli.Context) error {
			dirs, err := sandbox.DirsFromEnv()
			if err != nil {
				return err
			}
			err = sandbox.Launch(sandbox.Spec{
				UID:                  c.Int("uid"),
				App:                  c.String("app"),
				Dirs:                 dirs,
				ExtraWritable:        c.StringSlice("write"),
				Python:               c.String("python"),
				Requirements:         c.String("requirements"),
				RequirementsRequired: c.Bool("requirements-required"),
				Argv:                 c.Args().Slice(),
			})
			return fmt.Errorf("launch: %w", err)
		},
	}
}
