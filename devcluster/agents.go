package devcluster

import (
	"encoding/json"
	"os"

	"github.com/hostctl/hostctl/agentconfig"
)

// node is this cluster's one node for package agentconfig, which defines
// every setting the agents share with production (ACLs denying by default,
// gossip encryption, raw_exec only, the fingerprint and environment
// denylists, artifact limits, the Consul integration, closed ports);
// terraform/modules/node is held to the same package by its tests. What is
// the dev cluster's own is here: one server that is also the client,
// everything on loopback (so no TLS: it is a Terraform module input,
// docs/operations.md), its own ports and directories, and site instances'
// dynamic ports handed out on lo, so the router is the only way in.
func (c Config) node() agentconfig.Node {
	return agentconfig.Node{
		Name:   "hostctl-dev",
		Server: true, Client: true,
		Datacenter: "dc1", Region: "global", BootstrapExpect: 1,
		BindAddr: Addr, HTTPBindAddr: Addr,
		Ports: agentconfig.Ports{
			ConsulHTTP: c.Ports.ConsulHTTP, ConsulServer: c.Ports.ConsulServer, ConsulSerfLAN: c.Ports.ConsulSerfLAN,
			NomadHTTP: c.Ports.NomadHTTP, NomadRPC: c.Ports.NomadRPC, NomadSerf: c.Ports.NomadSerf,
		},
		ConsulDataDir: c.path("consul"), NomadDataDir: c.nomadDataDir(),
		LogLevel:              "INFO",
		HTTPMaxConnsPerClient: agentconfig.DefaultHTTPMaxConnsPerClient,
		NetworkInterface:      "lo",
		Launcher:              c.HostctlBin, MediaRoot: c.MediaRoot(),
		Artifact:         agentconfig.DefaultArtifactLimits,
		GossipEncryption: true,
	}
}

// agentSecrets are kept inline in the dev cluster's configs, unlike
// production's separate secrets.json files. The management token
// bootstraps Consul's ACL system itself when the server first leads, and
// the agent token (made by acls.SetUpConsul right after) is already named.
func (s secrets) agentSecrets() agentconfig.Secrets {
	return agentconfig.Secrets{
		GossipKey:        s.gossipKey,
		ConsulManagement: s.tokens.ConsulManagement.SecretID,
		ConsulAgent:      s.tokens.ConsulAgent.SecretID,
		NomadConsul:      s.tokens.NomadConsul.SecretID,
	}
}

// consulConfig is the single-server Consul agent, with its secrets.
func (c Config) consulConfig(s secrets) map[string]any {
	return agentconfig.Merge(agentconfig.Consul(c.node()), agentconfig.ConsulSecrets(s.agentSecrets()))
}

// nomadConfig is a Nomad server and client in one agent, scheduling
// raw_exec tasks onto loopback ports and registering their services in the
// Consul agent above, with its secrets: the gossip key and Nomad's own
// token in Consul, which registers only the agent's services.
func (c Config) nomadConfig(s secrets) map[string]any {
	return agentconfig.Merge(agentconfig.Nomad(c.node()), agentconfig.NomadSecrets(s.agentSecrets(), true))
}

// ArtifactLimits is the artifact block of the dev cluster's Nomad client,
// agentconfig.DefaultArtifactLimits.
var ArtifactLimits = agentconfig.DefaultArtifactLimits.Map()

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}
