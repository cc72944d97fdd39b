// Package cli wires hostctl's commands to the packages that do the work.
// It parses flags and environment, builds clients, and prints; nothing
// another package needs lives here.
package cli

import (
	"github.com/urfave/cli/v2"
)

// NewApp builds the hostctl command tree. Output goes to app.Writer and
// app.ErrWriter so tests can capture it.
func NewApp() *cli.App {
	return &cli.App{
		Name:                 "hostctl",
		Usage:                "host many small Python WSGI sites on Nomad and Consul",
		EnableBashCompletion: true,
		Flags:                append(append([]cli.Flag{}, clusterFlags...), provisionerFlags...),
		Commands: []*cli.Command{
			devCommand(),
			clusterCommand(),
			siteCommand(),
			secretCommand(),
			dbCommand(),
			mediaCommand(),
			routerCommand(),
			launchCommand(),
		},
	}
}
