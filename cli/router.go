package cli

import (
	"io"
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
				&cli.StringFlag{Name: "admin-listen", EnvVars: []string{"HOSTCTL_ROUTER_ADMIN_LISTEN"}, Value: "127.0.0.1:8081", Usage: "address for /healthz and /metrics"},
				&cli.StringFlag{Name: "access-log", EnvVars: []string{"HOSTCTL_ROUTER_ACCESS_LOG"}, Value: "-", Usage: "JSON access log: a file, - for stderr, or off"},
				&cli.StringFlag{Name: "tls-listen", EnvVars: []string{"HOSTCTL_ROUTER_TLS_LISTEN"}, Usage: "address for HTTPS (off when empty)"},
				&cli.StringSliceFlag{Name: "tls-cert", Usage: "CERT.pem:KEY.pem served by SNI (repeatable)"},
				&cli.StringFlag{Name: "acme-directory", EnvVars: []string{"HOSTCTL_ACME_DIRECTORY"}, Usage: "ACME directory URL for automatic certificates, kept in Consul KV"},
				&cli.StringFlag{Name: "acme-email", EnvVars: []string{"HOSTCTL_ACME_EMAIL"}, Usage: "contact address for the ACME account"},
				&cli.StringFlag{Name: "acme-root-ca", Usage: "PEM file trusted for the ACME server's HTTPS (a private or test CA)"},
				&cli.DurationFlag{Name: "drain-timeout", Value: 0, Usage: "how long shutdown waits for in-flight requests (default 15s)"},
			},
			Action: func(c *cli.Context) error {
				log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
				var access io.Writer
				switch f := c.String("access-log"); f {
				case "off", "":
				case "-":
					access = os.Stderr
				default:
					file, err := os.OpenFile(f, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
					if err != nil {
						return err
					}
					defer file.Close()
					access = file
				}
				return router.Run(c.Context, router.Config{
					Listen:       c.String("listen"),
					AdminListen:  c.String("admin-listen"),
					ConsulAddr:   c.String("consul-addr"),
					Log:          log,
					AccessLog:    access,
					DrainTimeout: c.Duration("drain-timeout"),
					TLS: router.TLSConfig{
						Listen:        c.String("tls-listen"),
						CertFiles:     c.StringSlice("tls-cert"),
						ACMEDirectory: c.String("acme-directory"),
						ACMEEmail:     c.String("acme-email"),
						ACMERootCA:    c.String("acme-root-ca"),
					},
				})
			},
		}},
	}
}
