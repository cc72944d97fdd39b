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
				&cli.StringSliceFlag{Name: "static-root", Usage: "serve a site's static and media dirs only from DIR/<site>/... or DIR/sites/<site>/... (repeatable; none: no static dirs are served)"},
				&cli.StringFlag{Name: "admin-token-file", Usage: "file holding a token that /metrics and pprof then require as 'Authorization: Bearer TOKEN' (/healthz stays open)"},
				&cli.BoolFlag{Name: "pprof", Usage: "serve /debug/pprof/ on the admin listener"},
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
				token, err := router.ReadAdminToken(c.String("admin-token-file"))
				if err != nil {
					return err
				}
				// Unset, Consul's DefaultConfig picks the address (and the
				// token, TLS) from the CONSUL_HTTP_* environment.
				var consulAddr string
				if c.IsSet("consul-addr") {
					consulAddr = c.String("consul-addr")
				}
				return router.Run(c.Context, router.Config{
					Listen:       c.String("listen"),
					AdminListen:  c.String("admin-listen"),
					ConsulAddr:   consulAddr,
					Log:          log,
					AccessLog:    access,
					DrainTimeout: c.Duration("drain-timeout"),
					StaticRoots:  c.StringSlice("static-root"),
					AdminToken:   token,
					Pprof:        c.Bool("pprof"),
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
