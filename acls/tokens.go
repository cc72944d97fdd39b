// Package acls closes a hostctl cluster's control plane to its tenants:
// Consul and Nomad with ACLs on and everything denied by default, one
// token per role with the least it needs, and Nomad's workload identities
// as the only way a site's services reach Consul. It sets up a cluster
// (the dev cluster on every `up`, a production one through `hostctl
// cluster bootstrap`) and is idempotent, so running it again repairs
// rather than duplicates. Which role holds which token, and why, is in
// docs/security.md.
package acls

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/hashicorp/go-uuid"
)

// Token is a Consul or Nomad ACL token whose IDs are chosen before the
// token is created, so they can be written into agent configs first and
// creating the token again is a no-op.
type Token struct {
	AccessorID string `json:"accessor_id"`
	SecretID   string `json:"secret_id"`
}

// Tokens are every token a cluster's roles hold.
type Tokens struct {
	// ConsulManagement and NomadManagement are the operator's: the CLI, the
	// UIs, the bootstrap itself. They are the ACL systems' bootstrap tokens.
	ConsulManagement Token `json:"consul_management"`
	NomadManagement  Token `json:"nomad_management"`
	// ConsulAgent is what each Consul agent uses for its own node.
	ConsulAgent Token `json:"consul_agent"`
	// NomadConsul is what Nomad agents use in Consul for their own
	// registrations and reads; site services register with workload
	// identities instead, never with it.
	NomadConsul Token `json:"nomad_consul"`
	// Router reads the catalog and health and keeps certificates in KV.
	Router Token `json:"router"`
	// UIReadOnly lets a person (or the UI test) look at the Consul UI.
	UIReadOnly Token `json:"ui_read_only"`
	// NomadRouter is the router's Nomad token: it scales sites' jobs to
	// zero when they idle and back when a request wakes them. Nomad makes
	// its IDs (acls.SetUpNomad), so NewTokens leaves it empty.
	NomadRouter Token `json:"nomad_router,omitzero"`
}

// NewTokens draws fresh IDs for every token.
func NewTokens() (Tokens, error) {
	var t Tokens
	for _, tok := range []*Token{&t.ConsulManagement, &t.NomadManagement, &t.ConsulAgent, &t.NomadConsul, &t.Router, &t.UIReadOnly} {
		for _, id := range []*string{&tok.AccessorID, &tok.SecretID} {
			u, err := uuid.GenerateUUID()
			if err != nil {
				return t, err
			}
			*id = u
		}
	}
	return t, nil
}

// LoadTokens reads tokens saved by Save.
func LoadTokens(path string) (Tokens, error) {
	var t Tokens
	b, err := os.ReadFile(path)
	if err != nil {
		return t, err
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return t, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Save writes the tokens readable by their owner only: every one of them
// is a credential.
func (t Tokens) Save(path string) error {
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".partial"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
