package devcluster

import (
	"reflect"
	"slices"
	"testing"

	"github.com/hostctl/hostctl/agentconfig"
)

// Every variable the agents are started without must also be kept from
// raw_exec tasks by Nomad: the two lists are kept separately (tokenVariables
// also filters the router's environment).
func TestEnvDenylistCoversTokenVariables(t *testing.T) {
	for _, v := range tokenVariables {
		if !slices.Contains(agentconfig.EnvDenylist, v) {
			t.Errorf("%s is a token variable but not in agentconfig.EnvDenylist: Nomad would hand it to sites", v)
		}
	}
}

// The dev cluster's configs are agentconfig's for its node plus its inline
// secrets, and nothing else: a setting of its own would escape the check
// that holds the Terraform module to agentconfig.
func TestAgentConfigsAreAgentconfigs(t *testing.T) {
	c := Config{StateDir: "/s", HostctlBin: "/bin/hostctl", Ports: DefaultPorts}
	n := c.node(1)
	for name, got := range map[string]map[string]any{"consul": c.consulConfig(1, testSecrets), "nomad": c.nomadConfig(1, testSecrets)} {
		want := agentconfig.Consul(n)
		if name == "nomad" {
			want = agentconfig.Nomad(n)
		}
		for k, v := range got {
			w, ok := want[k]
			switch {
			case k == "encrypt" || k == "acl" || k == "server" || k == "consul":
				// Where the secrets are merged in.
			case !ok:
				t.Errorf("%s.%s is the dev cluster's own", name, k)
			case !reflect.DeepEqual(v, w):
				t.Errorf("%s.%s = %v, agentconfig has %v", name, k, v, w)
			}
		}
	}
	if n.TLS != nil || n.HTTPBindAddr != Addr || n.BindAddr != Addr || !n.GossipEncryption {
		t.Errorf("dev node: TLS %v, bind %s, http %s, gossip %v: everything on loopback, gossip encrypted", n.TLS, n.BindAddr, n.HTTPBindAddr, n.GossipEncryption)
	}
}
