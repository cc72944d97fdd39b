package cli

import (
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/router"
	"github.com/hostctl/hostctl/router/consulwatch"
	"github.com/hostctl/hostctl/router/proxy"
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
				&cli.StringSliceFlag{Name: "consul-fallback", Usage: "another Consul agent (ADDR:PORT) to follow the route table through when --consul-addr's stops answering (repeatable; the servers, or other nodes' agents)"},
				&cli.StringSliceFlag{Name: "static-root", Usage: "serve a site's static and media dirs only from DIR/<site>/... or DIR/sites/<site>/... (repeatable; none: no static dirs are served)"},
				&cli.StringFlag{Name: "admin-token-file", Usage: "file holding a token that /metrics and pprof then require as 'Authorization: Bearer TOKEN' (/healthz stays open)"},
				&cli.BoolFlag{Name: "pprof", Usage: "serve /debug/pprof/ on the admin listener"},
				&cli.StringFlag{Name: "backend-ports", Value: "20000-32000", Usage: "Nomad's dynamic port range (client min_dynamic_port-max_dynamic_port): instances on other ports, or off their node's address, are never routed"},
				&cli.StringFlag{Name: "nomad-token-file", EnvVars: []string{"NOMAD_TOKEN_FILE"}, Usage: "the router's Nomad token (read and scale site jobs), to wake sleeping sites; with --nomad-addr or NOMAD_ADDR"},
				&cli.BoolFlag{Name: "nomad-token-from-consul", Usage: "read the router's Nomad token from Consul KV (" + contract.RouterNomadTokenKey + ", written by `hostctl cluster bootstrap`) instead of a file"},
				&cli.StringFlag{Name: "router-id", EnvVars: []string{"HOSTCTL_ROUTER_ID"}, Usage: "this router's name in the activity it publishes (default: hostname-listen address)"},
				&cli.DurationFlag{Name: "wake-timeout", Value: 30 * time.Second, Usage: "a sleeping site no instance of which accepts connections within this of its start is answered 503"},
				&cli.IntFlag{Name: "wake-concurrency", Value: 32, Usage: "sites this router starts at once; further wakes wait for a slot (their timeout runs from their start)"},
				&cli.IntFlag{Name: "wake-queue", Value: 256, Usage: "requests that may wait for one waking site (more: 503)"},
				&cli.IntFlag{Name: "wake-queue-total", Value: 4096, Usage: "requests that may wait for waking sites together (more: 503)"},
				&cli.Float64Flag{Name: "wake-rate", Value: 20, Usage: "wakes this router starts per second, at most (more: 503)"},
				&cli.IntFlag{Name: "wake-burst", Value: 100, Usage: "wakes this router may start at once before --wake-rate applies"},
				&cli.DurationFlag{Name: "activity-interval", Value: 5 * time.Second, Usage: "how often the sites this router saw traffic for are published (negative: never)"},
				&cli.BoolFlag{Name: "sleeper", EnvVars: []string{"HOSTCTL_ROUTER_SLEEPER"}, Usage: "also put idle sites to sleep (one router at a time does, through a Consul lock)"},
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
				ports, err := parsePortRange(c.String("backend-ports"))
				if err != nil {
					return err
				}
				token, err := router.ReadAdminToken(c.String("admin-token-file"))
				if err != nil {
					return err
				}
				// Unset, Consul's DefaultConfig picks the address (and the
				// token, TLS) from the CONSUL_HTTP_* environment.
				var consulAddr, nomadAddr string
				if c.IsSet("consul-addr") {
					consulAddr = c.String("consul-addr")
				}
				// Only an address given on purpose turns waking on: the
				// global flag's default would turn it on everywhere.
				if c.IsSet("nomad-addr") {
					nomadAddr = c.String("nomad-addr")
				}
				return router.Run(c.Context, router.Config{
					Listen:          c.String("listen"),
					AdminListen:     c.String("admin-listen"),
					ConsulAddr:      consulAddr,
					ConsulFallbacks: c.StringSlice("consul-fallback"),
					Log:             log,
					AccessLog:       access,
					DrainTimeout:    c.Duration("drain-timeout"),
					StaticRoots:     c.StringSlice("static-root"),
					BackendPorts:    ports,
					Sleep: router.SleepConfig{
						NomadAddr:            nomadAddr,
						NomadTokenFile:       c.String("nomad-token-file"),
						NomadTokenFromConsul: c.Bool("nomad-token-from-consul"),
						RouterID:             c.String("router-id"),
						Wake: proxy.WakeConfig{
							Timeout: c.Duration("wake-timeout"), Concurrent: c.Int("wake-concurrency"), Queue: c.Int("wake-queue"), QueueTotal: c.Int("wake-queue-total"),
							Rate: c.Float64("wake-rate"), Burst: c.Int("wake-burst"),
						},
						ActivityInterval: c.Duration("activity-interval"),
						Sleeper:          c.Bool("sleeper"),
					},
					AdminToken: token,
					Pprof:      c.Bool("pprof"),
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

// parsePortRange reads "MIN-MAX".
func parsePortRange(s string) (consulwatch.PortRange, error) {
	a, b, ok := strings.Cut(s, "-")
	lo, err1 := strconv.Atoi(a)
	hi, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || lo < 1 || hi > 65535 || lo > hi {
		return consulwatch.PortRange{}, contract.Errorf(contract.Invalid, "--backend-ports %q: want MIN-MAX, e.g. 20000-32000", s)
	}
	return consulwatch.PortRange{Min: lo, Max: hi}, nil
}
