package acls

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	consul "github.com/hashicorp/consul/api"

	"github.com/hostctl/hostctl/contract"
)

// The Consul policies of a hostctl cluster. Each is the least its holder
// needs; none lets a site's process (which holds no Consul token at all)
// read or change anything.
var consulPolicies = []consul.ACLPolicy{
	{
		Name:        "hostctl-agent",
		Description: "Consul agents: their own node's registration and the catalog reads anti-entropy needs",
		Rules: `node_prefix "" { policy = "write" }
service_prefix "" { policy = "read" }
`,
	},
	{
		// Site services register through workload identities, each good
		// for its own job's name only; but Nomad deregisters them (when an
		// instance stops) with the agent's own token — measured: with
		// write on its own services only, a destroyed site stayed in the
		// catalog — so the agent token writes every service. No site
		// holds it: it is in the Nomad agent's config, root's.
		Name:        "hostctl-nomad-agent",
		Description: "Nomad agents: their own services, deregistering site services, and the reads their Consul integration makes",
		Rules: `agent_prefix "" { policy = "read" }
node_prefix "" { policy = "read" }
service_prefix "" { policy = "write" }
`,
	},
	{
		// Sleeping sites: the router registers a sleeping site's marker
		// (a service of the site's name on the marker node, so it takes
		// write on services), records traffic and wake failures in KV, and
		// one router at a time holds the sleeper's lock (a session).
		Name:        "hostctl-router",
		Description: "The router: the catalog and health it routes by, its certificate cache in KV, and sleeping sites' markers, activity and lock",
		Rules: `node_prefix "" { policy = "read" }
node "` + contract.SleepNode + `" { policy = "write" }
service_prefix "" { policy = "write" }
session_prefix "" { policy = "write" }
key_prefix "` + CertPrefix + `" { policy = "write" }
key_prefix "` + contract.ActivityPrefix + `" { policy = "write" }
key_prefix "` + contract.WakeErrorPrefix + `" { policy = "write" }
key "` + contract.SleeperLock + `" { policy = "write" }
key "` + contract.RouterNomadTokenKey + `" { policy = "read" }
`,
	},
	{
		Name:        "hostctl-ui-read-only",
		Description: "People looking at the Consul UI: services, nodes and health, nothing else",
		Rules: `node_prefix "" { policy = "read" }
service_prefix "" { policy = "read" }
`,
	},
}

// CertPrefix is where the router keeps ACME certificates and its account
// key in Consul KV; only the router's token can read it.
const CertPrefix = "hostctl/router/certs/"

// AuthMethod is the Consul auth method that trusts Nomad's workload
// identities (the name Nomad's consul block uses by default).
const AuthMethod = "nomad-workloads"

// ConsulPolicy returns the rules of a named policy, for docs and tests.
func ConsulPolicy(name string) (string, bool) {
	for _, p := range consulPolicies {
		if p.Name == name {
			return p.Rules, true
		}
	}
	return "", false
}

// SetUpConsul makes the cluster's Consul policies and tokens, with the IDs
// already written into agent configs. cc must carry the management token.
// Running it again changes nothing.
func SetUpConsul(ctx context.Context, cc *consul.Client, t Tokens) error {
	w := (&consul.WriteOptions{}).WithContext(ctx)
	q := (&consul.QueryOptions{}).WithContext(ctx)
	for _, p := range consulPolicies {
		if err := ensurePolicy(cc, p, q, w); err != nil {
			return err
		}
	}
	for _, tok := range []struct {
		t      Token
		policy string
		what   string
	}{
		{t.ConsulAgent, "hostctl-agent", "Consul agents"},
		{t.NomadConsul, "hostctl-nomad-agent", "Nomad agents"},
		{t.Router, "hostctl-router", "hostctl router"},
		{t.UIReadOnly, "hostctl-ui-read-only", "read-only UI access"},
	} {
		if err := ensureToken(cc, tok.t, tok.policy, tok.what, q, w); err != nil {
			return err
		}
	}
	return nil
}

// TrustNomad makes (or repairs) the auth method through which Nomad
// registers each site's service with a token of that site's own. jwksURL
// is where Consul fetches Nomad's signing keys; Consul fetches them as the
// method is written, so Nomad must be up.
func TrustNomad(ctx context.Context, cc *consul.Client, jwksURL string) error {
	return TrustNomadWith(ctx, cc, NomadTrust{JWKSURL: jwksURL})
}

func ensurePolicy(cc *consul.Client, p consul.ACLPolicy, q *consul.QueryOptions, w *consul.WriteOptions) error {
	existing, _, err := cc.ACL().PolicyReadByName(p.Name, q)
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("reading Consul policy %s: %w", p.Name, err)
	}
	if existing == nil {
		_, _, err = cc.ACL().PolicyCreate(&p, w)
	} else if existing.Rules != p.Rules || existing.Description != p.Description {
		p.ID = existing.ID
		_, _, err = cc.ACL().PolicyUpdate(&p, w)
	}
	if err != nil {
		return fmt.Errorf("writing the Consul policy %s: %w", p.Name, err)
	}
	return nil
}

func ensureToken(cc *consul.Client, t Token, policy, what string, q *consul.QueryOptions, w *consul.WriteOptions) error {
	tok := &consul.ACLToken{AccessorID: t.AccessorID, SecretID: t.SecretID, Description: "hostctl: " + what,
		Policies: []*consul.ACLTokenPolicyLink{{Name: policy}}}
	existing, _, err := cc.ACL().TokenRead(t.AccessorID, q)
	// Consul answers a read of a token that does not exist with 403 "ACL
	// not found" rather than 404.
	if err != nil && !isNotFound(err) && !strings.Contains(err.Error(), "ACL not found") {
		return fmt.Errorf("reading the Consul token for %s: %w", what, err)
	}
	if existing == nil {
		_, _, err = cc.ACL().TokenCreate(tok, w)
	} else {
		_, _, err = cc.ACL().TokenUpdate(tok, w)
	}
	if err != nil {
		return fmt.Errorf("writing the Consul token for %s: %w", what, err)
	}
	return nil
}

// ensureAuthMethod trusts the JWTs Nomad signs for services and binds each
// to a service identity named after the job it belongs to: a site's job can
// register services, and checks, under its own name and no other — not
// another site's, not "nomad", whatever a job says. No binding rule exists
// for tasks: site processes get no Consul token at all.
func ensureAuthMethod(cc *consul.Client, trust NomadTrust, q *consul.QueryOptions, w *consul.WriteOptions) error {
	m := &consul.ACLAuthMethod{
		Name: AuthMethod, Type: "jwt", DisplayName: AuthMethod, TokenLocality: "local",
		Description: "Nomad workload identities of hostctl sites' services",
		Config: map[string]any{
			"JWKSURL":          trust.JWKSURL,
			"JWTSupportedAlgs": []string{"RS256"},
			"BoundAudiences":   []string{"consul.io"},
			"ClaimMappings": map[string]string{
				"nomad_namespace": "nomad_namespace",
				"nomad_job_id":    "nomad_job_id",
				"nomad_task":      "nomad_task",
				"nomad_service":   "nomad_service",
			},
		},
	}
	if trust.JWKSCACert != "" {
		m.Config["JWKSCACert"] = trust.JWKSCACert
	}
	existing, _, err := cc.ACL().AuthMethodRead(AuthMethod, q)
	if err != nil && !isNotFound(err) {
		return err
	}
	if existing == nil {
		_, _, err = cc.ACL().AuthMethodCreate(m, w)
	} else {
		_, _, err = cc.ACL().AuthMethodUpdate(m, w)
	}
	if err != nil {
		return fmt.Errorf("writing the Consul auth method %s: %w", AuthMethod, err)
	}
	want := &consul.ACLBindingRule{
		AuthMethod:  AuthMethod,
		Description: "a Nomad job's services register as that job, and only as it",
		BindType:    consul.BindingRuleBindTypeService,
		BindName:    "${value.nomad_job_id}",
		Selector:    `"nomad_service" in value`,
	}
	rules, _, err := cc.ACL().BindingRuleList(AuthMethod, q)
	if err != nil {
		return err
	}
	found := false
	for _, r := range rules {
		if !found && r.BindType == want.BindType && r.BindName == want.BindName && r.Selector == want.Selector {
			found = true
			continue
		}
		// Anything else (nomad setup consul's task and service rules, say)
		// would hand out more than this one.
		if _, err := cc.ACL().BindingRuleDelete(r.ID, w); err != nil {
			return err
		}
	}
	if !found {
		if _, _, err := cc.ACL().BindingRuleCreate(want, w); err != nil {
			return fmt.Errorf("writing the Consul binding rule: %w", err)
		}
	}
	return nil
}

// WaitConsulACLs waits until the Consul servers have a leader with the
// ACL system bootstrapped (initial_management in the server config): until
// then every ACL call fails.
func WaitConsulACLs(ctx context.Context, cc *consul.Client) error {
	for {
		_, _, err := cc.ACL().TokenReadSelf((&consul.QueryOptions{}).WithContext(ctx))
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the Consul ACL system is not ready: %w", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func isNotFound(err error) bool {
	var se consul.StatusError
	if errors.As(err, &se) {
		return se.Code == 404
	}
	return err != nil && (strings.Contains(err.Error(), "404") || strings.Contains(err.Error(), "not found"))
}
