package devcluster

import (
	"encoding/json"
	"os"
	"strconv"

	"github.com/hostctl/hostctl/agentconfig"
)

// node is node k of this cluster for package agentconfig, which defines
// every setting the agents share with production (ACLs denying by default,
// gossip encryption, raw_exec only, the fingerprint and environment
// denylists, artifact limits, the Consul integration, closed ports);
// terraform/modules/node is held to the same package by its tests. What is
// the dev cluster's own is here: servers that are also clients, everything
// on loopback (so no TLS: it is a Terraform module input,
// docs/operations.md), its own ports and directories, and site instances'
// dynamic ports handed out on the node's own loopback address, so the
// router is the only way in and each simulated node's instances are
// reachable only while its address is.
func (c Config) node(k int) agentconfig.Node {
	addr := c.NodeAddr(k)
	var join, nomadJoin []string
	for s := 1; s <= c.serverCount(); s++ {
		// Every agent knows every server: a server restarted after the
		// others moved on finds them again whichever is up.
		if s == k {
			continue
		}
		join = append(join, c.NodeAddr(s)+":"+strconv.Itoa(c.Ports.ConsulSerfLAN))
		if c.IsServer(k) {
			nomadJoin = append(nomadJoin, c.NodeAddr(s)+":"+strconv.Itoa(c.Ports.NomadSerf))
		}
	}
	return agentconfig.Node{
		Name:   c.NodeName(k),
		Server: c.IsServer(k), Client: true,
		Datacenter: "dc1", Region: "global", BootstrapExpect: c.serverCount(),
		RetryJoin: join, NomadServerJoin: nomadJoin,
		BindAddr: addr, HTTPBindAddr: addr,
		Ports: agentconfig.Ports{
			ConsulHTTP: c.Ports.ConsulHTTP, ConsulServer: c.Ports.ConsulServer, ConsulSerfLAN: c.Ports.ConsulSerfLAN,
			NomadHTTP: c.Ports.NomadHTTP, NomadRPC: c.Ports.NomadRPC, NomadSerf: c.Ports.NomadSerf,
		},
		ConsulDataDir: c.consulDataDir(k), NomadDataDir: c.nomadDataDirOf(k),
		LogLevel:              "INFO",
		HTTPMaxConnsPerClient: agentconfig.DefaultHTTPMaxConnsPerClient,
		NetworkInterface:      "lo", SitesCIDR: addr + "/32",
		Launcher: c.HostctlBin, MediaRoot: c.NodeMediaRoot(k),
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

// consulConfig is node k's Consul agent, with its secrets.
func (c Config) consulConfig(k int, s secrets) map[string]any {
	return agentconfig.Merge(agentconfig.Consul(c.node(k)), agentconfig.ConsulSecrets(s.agentSecrets()))
}

// nomadConfig is node k's Nomad agent (a server too on the first nodes),
// scheduling raw_exec tasks onto the node's loopback address and
// registering their services in the node's Consul agent, with its secrets:
// the gossip key and Nomad's own token in Consul, which registers only the
// agent's services.
func (c Config) nomadConfig(k int, s secrets) map[string]any {
	return agentconfig.Merge(agentconfig.Nomad(c.node(k)), agentconfig.NomadSecrets(s.agentSecrets(), c.IsServer(k)))
}

// writeAgentConfigs writes every node's agent configs.
func (c Config) writeAgentConfigs(s secrets) error {
	for k := 1; k <= c.NodeCount(); k++ {
		if err := writeJSON(c.consulConfigFile(k), c.consulConfig(k, s)); err != nil {
			return err
		}
		if err := writeJSON(c.nomadConfigFile(k), c.nomadConfig(k, s)); err != nil {
			return err
		}
	}
	return nil
}

func (c Config) consulConfigFile(k int) string { return c.path("etc", compName("consul", k)+".json") }
func (c Config) nomadConfigFile(k int) string  { return c.path("etc", compName("nomad", k)+".json") }

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
