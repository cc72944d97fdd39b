package cli

import (
	"encoding/json"
	"io"

	consul "github.com/hashicorp/consul/api"
	nomad "github.com/hashicorp/nomad/api"
	"github.com/urfave/cli/v2"
)

// The addresses every command uses to find the cluster. They honour the
// variables the stock nomad and consul CLIs read, so one shell serves both.
var clusterFlags = []cli.Flag{
	&cli.StringFlag{Name: "nomad-addr", EnvVars: []string{"NOMAD_ADDR"}, Value: "http://127.0.0.1:4646", Usage: "Nomad HTTP API address"},
	&cli.StringFlag{Name: "consul-addr", EnvVars: []string{"CONSUL_HTTP_ADDR"}, Value: "127.0.0.1:8500", Usage: "Consul HTTP API address"},
	&cli.StringFlag{Name: "router-url", EnvVars: []string{"HOSTCTL_ROUTER_URL"}, Value: "http://127.0.0.1:8080", Usage: "where the hostctl router serves sites, for printed URLs"},
}

// nomadClient honours NOMAD_TOKEN and the TLS variables through Nomad's own
// DefaultConfig, with the address from the flag.
func nomadClient(c *cli.Context) (*nomad.Client, error) {
	cfg := nomad.DefaultConfig()
	cfg.Address = c.String("nomad-addr")
	return nomad.NewClient(cfg)
}

var outputFlag = &cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "text", Usage: "text or json"}

// printOut writes v as JSON with -o json, or as text otherwise.
func printOut(c *cli.Context, v any, text func(io.Writer)) error {
	if c.String("output") == "json" {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	text(c.App.Writer)
	return nil
}

// consulClient honours CONSUL_HTTP_TOKEN and friends through Consul's own
// DefaultConfig, with the address from the flag.
func consulClient(c *cli.Context) (*consul.Client, error) {
	cfg := consul.DefaultConfig()
	cfg.Address = c.String("consul-addr")
	return consul.NewClient(cfg)
}
