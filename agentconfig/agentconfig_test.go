package agentconfig

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// The settings no deployment may lose, whatever its Node says.
func TestSecuritySettings(t *testing.T) {
	for _, tls := range []bool{false, true} {
		n := Production(true, true)
		if !tls {
			n.TLS = nil
		}
		c := Consul(n)
		acl := c["acl"].(map[string]any)
		if acl["enabled"] != true || acl["default_policy"] != "deny" {
			t.Errorf("consul acl = %v", acl)
		}
		for _, p := range []string{"dns", "grpc", "grpc_tls", "serf_wan"} {
			if c["ports"].(map[string]int)[p] != -1 {
				t.Errorf("consul port %s open: %v", p, c["ports"])
			}
		}
		nc := Nomad(n)
		if nc["acl"].(map[string]any)["enabled"] != true {
			t.Errorf("nomad acl = %v", nc["acl"])
		}
		opts := nc["client"].(map[string]any)["options"].(map[string]string)
		if opts["driver.allowlist"] != "raw_exec" || !strings.Contains(opts["env.denylist"], "NOMAD_TOKEN") ||
			!strings.Contains(opts["fingerprint.denylist"], "env_aws") {
			t.Errorf("nomad client options = %v", opts)
		}
		if _, ok := nc["consul"].(map[string]any)["task_identity"]; ok {
			t.Error("tasks get a Consul identity")
		}
		// Secrets come from Secrets, never from the rendered configs.
		for _, cfg := range []map[string]any{c, nc} {
			b, _ := json.Marshal(cfg)
			if m := regexp.MustCompile(`"(encrypt|token|tokens|agent|initial_management)":`).Find(b); m != nil {
				t.Errorf("a secret in the rendered config (%s): %s", m, b)
			}
		}
	}
	if Nomad(Production(false, false)) != nil {
		t.Error("a router-only node gets a Nomad config")
	}
}

func TestMerge(t *testing.T) {
	c := Merge(Consul(Production(true, false)), ConsulSecrets(Secrets{GossipKey: "k", ConsulAgent: "a"}))
	acl := c["acl"].(map[string]any)
	if c["encrypt"] != "k" || acl["default_policy"] != "deny" || acl["tokens"].(map[string]string)["agent"] != "a" {
		t.Errorf("merged = %v", c)
	}
	if _, ok := acl["tokens"].(map[string]string)["initial_management"]; ok {
		t.Error("an empty management token is rendered")
	}
	n := Merge(Nomad(Production(false, true)), NomadSecrets(Secrets{GossipKey: "k", NomadConsul: "n"}, false))
	if n["server"] != nil || n["consul"].(map[string]any)["token"] != "n" || n["consul"].(map[string]any)["address"] == nil {
		t.Errorf("client merged = %v", n)
	}
}

// A Nomad server joins the other servers' gossip itself only when told
// where; otherwise it relies on Consul, as before.
func TestNomadServerJoin(t *testing.T) {
	for _, tc := range []struct {
		name string
		join []string
		want string
	}{
		{"servers to join", []string{"10.0.0.2:4648"}, `{"retry_join":["10.0.0.2:4648"]}`},
		{"through Consul alone", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := Production(true, true)
			n.NomadServerJoin = tc.join
			got := ""
			if sj, ok := Nomad(n)["server"].(map[string]any)["server_join"]; ok {
				b, _ := json.Marshal(sj)
				got = string(b)
			}
			if got != tc.want {
				t.Errorf("server_join = %s, want %s", got, tc.want)
			}
		})
	}
}
