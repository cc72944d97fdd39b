package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"

	consul "github.com/hashicorp/consul/api"
	nomad "github.com/hashicorp/nomad/api"
	"github.com/urfave/cli/v2"

	"github.com/hostctl/hostctl/acls"
	"github.com/hostctl/hostctl/contract"
)

func clusterCommand() *cli.Command {
	return &cli.Command{
		Name:  "cluster",
		Usage: "close a production cluster's control plane: its secrets, then its ACLs (docs/operations.md)",
		Subcommands: []*cli.Command{
			{
				Name:      "init",
				Usage:     "make every ACL token, gossip key and router admin token of a new cluster, and the files its nodes need, in DIR",
				ArgsUsage: "DIR",
				Action:    clusterInit,
			},
			{
				Name:      "bootstrap",
				Usage:     "turn on Consul's and Nomad's ACLs with DIR's tokens, once the servers run (safe to run again)",
				ArgsUsage: "DIR",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "jwks-url", Usage: "where the Consul servers fetch Nomad's workload identity keys (default: NOMAD_ADDR's scheme and port on 127.0.0.1, the Nomad server beside each Consul server)"},
					&cli.StringFlag{Name: "jwks-ca-file", EnvVars: []string{"NOMAD_CACERT"}, Usage: "PEM CA of Nomad's HTTPS certificate, for the Consul servers fetching the keys"},
					&cli.DurationFlag{Name: "timeout", Value: 5 * time.Minute, Usage: "how long to wait for leaders"},
				},
				Action: clusterBootstrap,
			},
			{
				Name:      "env",
				Usage:     "print shell exports of the operator's tokens (NOMAD_TOKEN, CONSUL_HTTP_TOKEN) from DIR",
				ArgsUsage: "DIR",
				Action:    clusterEnv,
			},
		},
	}
}

func secretsDir(c *cli.Context) (string, error) {
	if c.NArg() != 1 {
		return "", errors.New("want one argument: the cluster's secrets directory")
	}
	return c.Args().First(), nil
}

func clusterInit(c *cli.Context) error {
	dir, err := secretsDir(c)
	if err != nil {
		return err
	}
	s, err := acls.NewClusterSecrets()
	if err != nil {
		return err
	}
	if err := s.WriteSecrets(dir); err != nil {
		return err
	}
	w := c.App.Writer
	fmt.Fprintf(w, "wrote %s (mode 0600 files in a 0700 directory; keep it in your secret store):\n", dir)
	for _, f := range []struct{ name, what string }{
		{acls.TokensFile, "every token, the management ones included: the operator's, never on a node"},
		{acls.ConsulSecretsFile, "every node: <consul config dir>/secrets.json"},
		{acls.NomadServerSecretsFile, "servers: <nomad config dir>/secrets.json"},
		{acls.NomadClientSecretsFile, "client-only nodes: <nomad config dir>/secrets.json"},
		{acls.RouterConsulTokenFile, "routers: <hostctl config dir>/router-consul.token"},
		{acls.RouterAdminTokenFile, "routers: <hostctl config dir>/router-admin.token"},
	} {
		fmt.Fprintf(w, "  %-26s %s\n", f.name, f.what)
	}
	fmt.Fprintln(w, "The Terraform module's secret_files output lists each node's paths, owners and modes.")
	return nil
}

func clusterBootstrap(c *cli.Context) error {
	dir, err := secretsDir(c)
	if err != nil {
		return err
	}
	tokensFile := filepath.Join(dir, acls.TokensFile)
	t, err := acls.LoadTokens(tokensFile)
	if err != nil {
		return err
	}
	trust := acls.NomadTrust{JWKSURL: c.String("jwks-url")}
	if trust.JWKSURL == "" {
		if trust.JWKSURL, err = localJWKSURL(c.String("nomad-addr")); err != nil {
			return err
		}
	}
	if f := c.String("jwks-ca-file"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		trust.JWKSCACert = string(b)
	}
	// Consul's and Nomad's DefaultConfig read the TLS settings
	// (CONSUL_CACERT, NOMAD_CACERT, ...); the tokens are the file's.
	ccfg := consul.DefaultConfig()
	ccfg.Address = c.String("consul-addr")
	ccfg.Token, ccfg.TokenFile = t.ConsulManagement.SecretID, ""
	cc, err := consul.NewClient(ccfg)
	if err != nil {
		return err
	}
	ncfg := nomad.DefaultConfig()
	ncfg.Address = c.String("nomad-addr")
	ncfg.SecretID = t.NomadManagement.SecretID
	nc, err := nomad.NewClient(ncfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
	defer cancel()
	err = acls.Bootstrap(ctx, cc, nc, &t, trust, c.App.Writer)
	// The accessor Consul gave the management token is worth keeping
	// even when a later step failed.
	if serr := t.Save(tokensFile); serr != nil && err == nil {
		err = serr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "done. Use the operator's tokens with:  eval \"$(hostctl cluster env %s)\"\n", dir)
	return nil
}

// localJWKSURL is Nomad's key set on 127.0.0.1 at NOMAD_ADDR's scheme and
// port: the Consul servers fetch it from the Nomad server on their own
// machine (the Terraform module's server role runs both), which its
// certificate names (SAN 127.0.0.1) and no security group stands in front
// of.
func localJWKSURL(nomadAddr string) (string, error) {
	u, err := url.Parse(nomadAddr)
	if err != nil || u.Host == "" {
		return "", contract.Errorf(contract.Invalid, "NOMAD_ADDR %q: want scheme://host:port", nomadAddr)
	}
	port := u.Port()
	if port == "" {
		port = "4646"
	}
	return (&url.URL{Scheme: u.Scheme, Host: net.JoinHostPort("127.0.0.1", port), Path: "/.well-known/jwks.json"}).String(), nil
}

func clusterEnv(c *cli.Context) error {
	dir, err := secretsDir(c)
	if err != nil {
		return err
	}
	t, err := acls.LoadTokens(filepath.Join(dir, acls.TokensFile))
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "export NOMAD_TOKEN=%s\nexport CONSUL_HTTP_TOKEN=%s\n", t.NomadManagement.SecretID, t.ConsulManagement.SecretID)
	fmt.Fprintf(c.App.Writer, "# the Consul UI's read-only token (Log in, top right): %s\n", t.UIReadOnly.SecretID)
	return nil
}
