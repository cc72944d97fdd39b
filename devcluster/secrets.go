package devcluster

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"strings"

	"github.com/hostctl/hostctl/acls"
)

// secrets are the dev cluster's credentials: the ACL tokens of every role
// and the gossip encryption key. They are made once per state dir and kept
// (mode 0600) so `dev env` stays true across `down` and `up`.
type secrets struct {
	tokens    acls.Tokens
	gossipKey string
}

// TokensFile holds the cluster's ACL tokens (acls.Tokens as JSON).
func (c Config) TokensFile() string { return c.path("etc", "tokens.json") }

func (c Config) gossipKeyFile() string { return c.path("etc", "gossip.key") }

// Tokens reads the cluster's ACL tokens.
func (c Config) Tokens() (acls.Tokens, error) { return acls.LoadTokens(c.TokensFile()) }

func (c Config) ensureSecrets() (secrets, error) {
	var s secrets
	t, err := c.Tokens()
	if errors.Is(err, fs.ErrNotExist) {
		if t, err = acls.NewTokens(); err == nil {
			err = t.Save(c.TokensFile())
		}
	}
	if err != nil {
		return s, err
	}
	s.tokens = t
	key, err := os.ReadFile(c.gossipKeyFile())
	if errors.Is(err, fs.ErrNotExist) {
		// Consul and Nomad both take a base64 32-byte key.
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return s, err
		}
		key = []byte(base64.StdEncoding.EncodeToString(b))
		err = os.WriteFile(c.gossipKeyFile(), key, 0o600)
	}
	s.gossipKey = strings.TrimSpace(string(key))
	return s, err
}

// tokenVariables name credentials the processes the cluster starts must not
// inherit from whoever ran `dev up` (`eval "$(hostctl dev env)"` puts the
// operator's management tokens in the shell): Nomad hands its own
// environment to every raw_exec task.
var tokenVariables = []string{
	"NOMAD_TOKEN", "CONSUL_HTTP_TOKEN", "CONSUL_HTTP_TOKEN_FILE", "CONSUL_TOKEN", "VAULT_TOKEN",
	"NOMAD_LICENSE", "CONSUL_LICENSE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"GOOGLE_APPLICATION_CREDENTIALS", "HOSTCTL_PG_ADMIN_URL",
}

// agentEnv is the environment of the agents and the router: this process's,
// without credentials and without the client settings meant for the CLI.
func agentEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if isCredential(name) || strings.HasPrefix(name, "NOMAD_") || strings.HasPrefix(name, "CONSUL_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

func isCredential(name string) bool {
	for _, t := range tokenVariables {
		if name == t {
			return true
		}
	}
	return strings.Contains(name, "TOKEN") || strings.Contains(name, "SECRET") || strings.Contains(name, "PASSWORD")
}
