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
			&cli.StringFlag{Name: "code-root", Usage: "the operator's source tree on this node"},
			&cli.StringFlag{Name: "code", Usage: "the site's code, relative to --code-root, copied privately into the allocation and used as the working directory"},
			&cli.StringFlag{Name: "fetched", Usage: "code Nomad fetched into the task, relative to the task dir, copied the same way"},
			&cli.StringFlag{Name: "python", Usage: "the site's interpreter; a virtualenv of it (with system packages) is put first on PATH"},
			&cli.StringFlag{Name: "requirements", Usage: "pip requirements file, relative to the app, installed into the virtualenv"},
			&cli.BoolFlag{Name: "requirements-required", Usage: "fail if the requirements file is missing"},
			&cli.StringFlag{Name: "version-key", Usage: "the site version's key (sha256, from the job): its virtualenv is kept on the node for the same version"},
			&cli.BoolFlag{Name: "release", Usage: "this is the release step: its output is kept on the node and restored, not rerun, for the same version and code"},
			&cli.IntFlag{Name: "log-files", Usage: "write the command's output into this many rotated files in the allocation's logs dir (the job turns Nomad's log collection off); 0: leave output to Nomad"},
			&cli.IntFlag{Name: "log-file-mb", Value: 5, Usage: "size of each log file, MiB"},
		},
		Action: func(c *cli.Context) error {
			if err := sandbox.RequireStatic(); err != nil {
				return fmt.Errorf("launch: %w", err)
			}
			dirs, err := sandbox.DirsFromEnv()
			if err != nil {
				return err
			}
			spec := sandbox.Spec{
				UID:                  c.Int("uid"),
				CodeRoot:             c.String("code-root"),
				Code:                 c.String("code"),
				Fetched:              c.String("fetched"),
				Dirs:                 dirs,
				ExtraWritable:        c.StringSlice("write"),
				Python:               c.String("python"),
				Requirements:         c.String("requirements"),
				RequirementsRequired: c.Bool("requirements-required"),
				VersionKey:           c.String("version-key"),
				Release:              c.Bool("release"),
				Argv:                 c.Args().Slice(),
			}
			if n := c.Int("log-files"); n > 0 && !sandbox.Supervised() {
				err = sandbox.Supervise(spec, sandbox.LogLimits{MaxFiles: n, MaxFileSize: int64(c.Int("log-file-mb")) << 20})
			} else {
				err = sandbox.Launch(spec)
			}
			return fmt.Errorf("launch: %w", err)
		},
	}
}
