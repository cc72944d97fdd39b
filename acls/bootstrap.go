package acls

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	consul "github.com/hashicorp/consul/api"
	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
)

// NomadTrust is where Consul fetches the keys Nomad signs workload
// identities with.
type NomadTrust struct {
	// JWKSURL is Nomad's /.well-known/jwks.json as the Consul servers
	// reach it: the leader fetches it whenever a site's service logs in.
	JWKSURL string
	// JWKSCACert is the PEM of the CA that signed Nomad's HTTPS
	// certificate, when JWKSURL is https and that CA is a private one.
	JWKSCACert string
}

// TrustNomadWith is TrustNomad for a Nomad whose keys are served over TLS.
func TrustNomadWith(ctx context.Context, cc *consul.Client, trust NomadTrust) error {
	return ensureAuthMethod(cc, trust, (&consul.QueryOptions{}).WithContext(ctx), (&consul.WriteOptions{}).WithContext(ctx))
}

// BootstrapConsul turns on Consul's ACL system with t's management secret
// as the bootstrap token, waiting for a leader first, and records the
// accessor Consul gave it in t. It reports false when the cluster was
// already bootstrapped with that same secret (running it again is fine),
// and fails when it was bootstrapped with another.
func BootstrapConsul(ctx context.Context, cc *consul.Client, t *Tokens) (bool, error) {
	secret := t.ConsulManagement.SecretID
	for {
		var tok consul.ACLToken
		// Raw, because the API's BootstrapWithToken takes no context.
		_, err := cc.Raw().Write("/v1/acl/bootstrap", &consul.BootstrapRequest{BootstrapSecret: secret}, &tok, (&consul.WriteOptions{}).WithContext(ctx))
		if err == nil {
			t.ConsulManagement.AccessorID = tok.AccessorID
			return true, nil
		}
		if strings.Contains(err.Error(), "ACL bootstrap no longer allowed") {
			self, _, serr := cc.ACL().TokenReadSelf((&consul.QueryOptions{Token: secret}).WithContext(ctx))
			if serr != nil || !isManagement(self) {
				return false, fmt.Errorf("the Consul ACLs were bootstrapped with another token (%v)", serr)
			}
			t.ConsulManagement.AccessorID = self.AccessorID
			return false, nil
		}
		// Anything else is a cluster still electing its leader (or an
		// agent still starting): wait for it.
		select {
		case <-ctx.Done():
			return false, fmt.Errorf("bootstrapping the Consul ACLs: %w", err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func isManagement(t *consul.ACLToken) bool {
	for _, p := range t.Policies {
		if p.ID == "00000000-0000-0000-0000-000000000001" { // global-management
			return true
		}
	}
	return false
}

// Bootstrap closes a freshly started production cluster, whose agents
// already hold their tokens' secrets and gossip keys (WriteSecrets): the
// same steps the dev cluster takes on `up`. Consul's ACL system first,
// then every Consul policy and token, then Nomad's ACL system, then
// Consul's trust in Nomad's workload identities, which needs a Nomad
// leader to fetch the keys from. Each step is idempotent, so a bootstrap
// cut short is finished by running it again. cc and nc must carry t's
// management tokens (the ACL systems accept them before they exist for
// the bootstrap calls). It says what it did on out.
func Bootstrap(ctx context.Context, cc *consul.Client, nc *nomad.Client, t *Tokens, trust NomadTrust, out io.Writer) error {
	if trust.JWKSURL == "" {
		return errors.New("no JWKS URL for Nomad's workload identities")
	}
	fresh, err := BootstrapConsul(ctx, cc, t)
	if err != nil {
		return err
	}
	if fresh {
		fmt.Fprintln(out, "consul: ACL system bootstrapped with the management token")
	} else {
		fmt.Fprintln(out, "consul: ACL system already bootstrapped with the management token")
	}
	if err := SetUpConsul(ctx, cc, *t); err != nil {
		return err
	}
	fmt.Fprintln(out, "consul: policies and tokens for the Consul agents, the Nomad agents, the router and the read-only UI")
	if err := BootstrapNomad(ctx, nc, *t); err != nil {
		return err
	}
	fmt.Fprintln(out, "nomad: ACL system bootstrapped with the management token")
	if err := SetUpNomad(ctx, nc, t); err != nil {
		return err
	}
	// The routers started before this token existed: they read it from
	// Consul, where only their own token (and the management token) can.
	if _, err := cc.KV().Put(&consul.KVPair{Key: contract.RouterNomadTokenKey, Value: []byte(t.NomadRouter.SecretID)},
		(&consul.WriteOptions{}).WithContext(ctx)); err != nil {
		return fmt.Errorf("handing the router its Nomad token through Consul KV: %w", err)
	}
	fmt.Fprintln(out, "nomad: policy and token for the router (it scales sleeping sites), handed to the routers through Consul KV")
	// Consul fetches the keys as the method is written: retry while the
	// Nomad servers that answered the bootstrap settle.
	for {
		err = TrustNomadWith(ctx, cc, trust)
		if err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("trusting Nomad's workload identities (JWKS %s): %w", trust.JWKSURL, err)
		case <-time.After(time.Second):
		}
	}
	fmt.Fprintf(out, "consul: auth method %s trusts Nomad's workload identities (keys from %s)\n", AuthMethod, trust.JWKSURL)
	return nil
}
