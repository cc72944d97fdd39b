package cli

import (
	"log/slog"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/hostctl/hostctl/router"
)

func routerCommand() *cli.Command {
	return &cli.Command{
		Name:  "router",
		Usage: "the HTTP front door that routes by Host to healthy site instances",
		Subcommands: []*cli.Command{{
			Name:  "run",
			Usage: "serve until SIGTERM or SIGINT, then drain in-flight requests",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "listen", EnvVars: []string{"HOSTCTL_ROUTER_LISTEN"}, Value: "127.0.0.1:8080", Usage: "address for site traffic"},
				&cli.StringFlag{Name: "admin-listen", EnvVars: []string{"HOSTCTL_ROUTER_ADMIN_LISTEN"}, Value: "127.0.0.1:8081", Usage: "address for /healthz"},
			},
			Action: func(c *cli.Context) error {
				log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
				return router.Run(c.Context, router.Config{
					Listen:      c.String("listen"),
					AdminListen: c.String("admin-listen"),
					ConsulAddr:  c.String("consul-addr"),
					Log:         log,
				})
			},
		}},
	}
}
