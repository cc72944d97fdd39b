package acls

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ClusterSecrets are what a production cluster's agents need besides the
// configs the Terraform module renders: every role's ACL token, the gossip
// keys and the router's admin token. None of them may travel in user-data
// (the instance metadata service hands it to any process on the node), so
// `hostctl cluster init` makes them on the operator's machine and the
// operator places each node's share of them with a secret store.
type ClusterSecrets struct {
	Tokens Tokens
	// ConsulGossipKey and NomadGossipKey encrypt each agent pool's gossip;
	// two keys, so that a client node, which holds only Consul's, cannot
	// join Nomad's server pool.
	ConsulGossipKey string
	NomadGossipKey  string
	// RouterAdminToken guards the router's /metrics and pprof.
	RouterAdminToken string
}

// The files WriteSecrets makes. The Terraform module's secret_files output
// says which of them goes where on each node (docs/operations.md).
const (
	// TokensFile is the operator's: every token, the management ones
	// included. It never goes on a node.
	TokensFile = "tokens.json"
	// ConsulSecretsFile is every node's <consul config dir>/secrets.json.
	ConsulSecretsFile = "consul-secrets.json"
	// NomadServerSecretsFile is a server's <nomad config dir>/secrets.json,
	// NomadClientSecretsFile a client-only node's.
	NomadServerSecretsFile = "nomad-server-secrets.json"
	NomadClientSecretsFile = "nomad-client-secrets.json"
	// RouterConsulTokenFile and RouterAdminTokenFile are read by the
	// router's unit (systemd LoadCredential) on router nodes.
	RouterConsulTokenFile = "router-consul.token"
	RouterAdminTokenFile  = "router-admin.token"
)

// NewClusterSecrets draws every token and key of a new cluster.
func NewClusterSecrets() (ClusterSecrets, error) {
	var s ClusterSecrets
	var err error
	if s.Tokens, err = NewTokens(); err != nil {
		return s, err
	}
	if s.ConsulGossipKey, err = NewGossipKey(); err != nil {
		return s, err
	}
	if s.NomadGossipKey, err = NewGossipKey(); err != nil {
		return s, err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return s, err
	}
	s.RouterAdminToken = hex.EncodeToString(b)
	return s, nil
}

// NewGossipKey returns a key in the form both Consul's and Nomad's
// `encrypt` take: 32 random bytes, base64.
func NewGossipKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// Fragments returns the contents of every file WriteSecrets makes but the
// tokens file, by name. The JSON fragments are merged by each agent with
// the config the module renders (both agents load every file of their
// config dir), so they hold the secret settings and nothing else.
func (s ClusterSecrets) Fragments() (map[string][]byte, error) {
	frags := map[string]any{
		ConsulSecretsFile: map[string]any{
			"encrypt": s.ConsulGossipKey,
			"acl":     map[string]any{"tokens": map[string]string{"agent": s.Tokens.ConsulAgent.SecretID}},
		},
		NomadServerSecretsFile: map[string]any{
			"server": map[string]string{"encrypt": s.NomadGossipKey},
			"consul": map[string]string{"token": s.Tokens.NomadConsul.SecretID},
		},
		// A client gets no Nomad gossip key: clients never gossip, and a
		// key on a machine that runs tenants' code is one more to rotate
		// if it is taken.
		NomadClientSecretsFile: map[string]any{
			"consul": map[string]string{"token": s.Tokens.NomadConsul.SecretID},
		},
	}
	out := map[string][]byte{
		RouterConsulTokenFile: []byte(s.Tokens.Router.SecretID + "\n"),
		RouterAdminTokenFile:  []byte(s.RouterAdminToken + "\n"),
	}
	for name, v := range frags {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return nil, err
		}
		out[name] = append(b, '\n')
	}
	return out, nil
}

// WriteSecrets writes the cluster's secrets into dir (made 0700 if
// missing), each file 0600. It refuses to replace any of them: new gossip
// keys or tokens for a cluster that already runs would lock its agents out
// of each other.
func (s ClusterSecrets) WriteSecrets(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	files, err := s.Fragments()
	if err != nil {
		return err
	}
	tokens, err := json.MarshalIndent(s.Tokens, "", "  ")
	if err != nil {
		return err
	}
	files[TokensFile] = append(tokens, '\n')
	for name := range files {
		if _, err := os.Lstat(filepath.Join(dir, name)); !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s already exists: a cluster's secrets are made once (remove the directory only if no agent uses them)", filepath.Join(dir, name))
		}
	}
	for name, b := range files {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		_, err = f.Write(b)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}
