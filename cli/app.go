// Package cli wires hostctl's commands to the packages that do the work.
// It parses flags and environment, builds clients, and prints; nothing
// another package needs lives here.
package cli

import (
	"github.com/urfave/cli/v2"

	"github.com/hostctl/hostctl/contract"
)

// NewApp builds the hostctl command tree. Output goes to app.Writer and
// app.ErrWriter so tests can capture it.
func NewApp() *cli.App {
	app := &cli.App{
		Name:                 "hostctl",
		Usage:                "host many small Python WSGI sites on Nomad and Consul",
		EnableBashCompletion: true,
		Flags:                append(append([]cli.Flag{}, clusterFlags...), provisionerFlags...),
		Commands: []*cli.Command{
			devCommand(),
			clusterCommand(),
			siteCommand(),
			nodeCommand(),
			secretCommand(),
			dbCommand(),
			mediaCommand(),
			routerCommand(),
			launchCommand(),
		},
	}
	markUsageErrors(app.Commands)
	app.OnUsageError = usageError
	return app
}

// usageError makes a command line urfave/cli cannot parse (an unknown
// flag, a bad value) invalid input, like any other (see contract.Code).
func usageError(_ *cli.Context, err error, _ bool) error {
	return contract.WithCode(contract.Invalid, err)
}

func markUsageErrors(cmds []*cli.Command) {
	for _, c := range cmds {
		c.OnUsageError = usageError
		markUsageErrors(c.Subcommands)
	}
}
