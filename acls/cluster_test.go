package acls

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNewClusterSecretsAreFreshAndWellFormed(t *testing.T) {
	a, err := NewClusterSecrets()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewClusterSecrets()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, a, b string }{
		{"consul gossip key", a.ConsulGossipKey, b.ConsulGossipKey},
		{"nomad gossip key", a.NomadGossipKey, b.NomadGossipKey},
	} {
		t.Run(c.name, func(t *testing.T) {
			raw, err := base64.StdEncoding.DecodeString(c.a)
			if err != nil || len(raw) != 32 {
				t.Errorf("%q: %d bytes, %v; Consul and Nomad take 32 bytes in base64", c.a, len(raw), err)
			}
			if c.a == c.b {
				t.Error("two clusters got the same key")
			}
		})
	}
	if a.ConsulGossipKey == a.NomadGossipKey {
		t.Error("Consul and Nomad share a gossip key: a client, which holds Consul's, could join Nomad's server pool")
	}
	if len(a.RouterAdminToken) != 64 || a.RouterAdminToken == b.RouterAdminToken {
		t.Errorf("router admin token %q: want 32 fresh random bytes in hex", a.RouterAdminToken)
	}
}

// The fragments are merged into the agents' rendered configs, so each key
// must sit exactly where Consul and Nomad read it, and a fragment must hold
// no secret its nodes do not need.
func TestFragments(t *testing.T) {
	s, err := NewClusterSecrets()
	if err != nil {
		t.Fatal(err)
	}
	frags, err := s.Fragments()
	if err != nil {
		t.Fatal(err)
	}
	get := func(t *testing.T, name string, path ...string) any {
		t.Helper()
		var v any
		if err := json.Unmarshal(frags[name], &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, k := range path {
			m, _ := v.(map[string]any)
			v = m[k]
		}
		return v
	}
	cases := []struct {
		file string
		path []string
		want any // nil: must be absent
	}{
		{ConsulSecretsFile, []string{"encrypt"}, s.ConsulGossipKey},
		{ConsulSecretsFile, []string{"acl", "tokens", "agent"}, s.Tokens.ConsulAgent.SecretID},
		{ConsulSecretsFile, []string{"acl", "tokens", "initial_management"}, nil},
		{NomadServerSecretsFile, []string{"server", "encrypt"}, s.NomadGossipKey},
		{NomadServerSecretsFile, []string{"consul", "token"}, s.Tokens.NomadConsul.SecretID},
		{NomadClientSecretsFile, []string{"consul", "token"}, s.Tokens.NomadConsul.SecretID},
		{NomadClientSecretsFile, []string{"server"}, nil},
	}
	for _, c := range cases {
		t.Run(c.file+":"+strings.Join(c.path, "."), func(t *testing.T) {
			if got := get(t, c.file, c.path...); got != c.want {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
	for name, b := range frags {
		for _, mgmt := range []string{s.Tokens.ConsulManagement.SecretID, s.Tokens.NomadManagement.SecretID} {
			if strings.Contains(string(b), mgmt) {
				t.Errorf("%s holds a management token: those are the operator's only", name)
			}
		}
	}
	if string(frags[RouterConsulTokenFile]) != s.Tokens.Router.SecretID+"\n" {
		t.Errorf("router token file %q", frags[RouterConsulTokenFile])
	}
}

func TestWriteSecrets(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "secrets")
	s, err := NewClusterSecrets()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteSecrets(dir); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v (%v), want 0700", fi.Mode().Perm(), err)
	}
	for _, name := range []string{TokensFile, ConsulSecretsFile, NomadServerSecretsFile, NomadClientSecretsFile, RouterConsulTokenFile, RouterAdminTokenFile} {
		t.Run(name, func(t *testing.T) {
			fi, err := os.Stat(filepath.Join(dir, name))
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("mode %v (%v), want 0600", fi.Mode().Perm(), err)
			}
		})
	}
	got, err := LoadTokens(filepath.Join(dir, TokensFile))
	if err != nil || got != s.Tokens {
		t.Errorf("tokens read back: %+v %v", got, err)
	}

	again, err := NewClusterSecrets()
	if err != nil {
		t.Fatal(err)
	}
	if err := again.WriteSecrets(dir); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second WriteSecrets into the same dir: %v, want a refusal", err)
	}
	if got, _ := LoadTokens(filepath.Join(dir, TokensFile)); got != s.Tokens {
		t.Error("a refused WriteSecrets replaced the tokens")
	}
}
