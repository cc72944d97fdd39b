package devcluster

import (
	"encoding/json"
	"os"
	"strings"

	"github.com/hostctl/hostctl/contract"
)

// consulConfig is the single-server Consul agent. gRPC, DNS and WAN are off:
// nothing in a one-machine cluster uses them and each is one more port to
// collide with. ACLs deny by default; the management token bootstraps the
// ACL system itself when the server first leads, and the agent token
// (made by acls.SetUpConsul right after) is already named here. Gossip is
// encrypted; the HTTP API is plain: everything is on loopback (TLS is a
// Terraform module input, docs/operations.md).
func (c Config) consulConfig(s secrets) map[string]any {
	return map[string]any{
		"datacenter":       "dc1",
		"node_name":        "hostctl-dev",
		"data_dir":         c.path("consul"),
		"server":           true,
		"bootstrap_expect": 1,
		"bind_addr":        Addr,
		"advertise_addr":   Addr,
		"client_addr":      Addr,
		"ports": map[string]int{
			"http": c.Ports.ConsulHTTP, "server": c.Ports.ConsulServer, "serf_lan": c.Ports.ConsulSerfLAN,
			"serf_wan": -1, "dns": -1, "grpc": -1, "grpc_tls": -1,
		},
		"ui_config":            map[string]any{"enabled": true},
		"disable_update_check": true,
		"log_level":            "INFO",
		// Leader election in ~1 s instead of ~5 s: this is one machine.
		"performance": map[string]any{"raft_multiplier": 1},
		// Everything here talks to Consul from 127.0.0.1, and the router
		// holds a blocking query per site: the default cap of 200
		// connections per client IP stopped routing at ~200 sites
		// (docs/benchmarks.md).
		"limits":  map[string]any{"http_max_conns_per_client": 4096},
		"encrypt": s.gossipKey,
		"acl": map[string]any{
			"enabled": true, "default_policy": "deny", "down_policy": "extend-cache",
			"enable_token_persistence": true,
			"tokens": map[string]string{
				"initial_management": s.tokens.ConsulManagement.SecretID,
				"agent":              s.tokens.ConsulAgent.SecretID,
			},
		},
	}
}

// cloudFingerprinters probe cloud metadata services. Denied because there is
// no cloud here, and because env_aws breaks outright when AWS_CA_BUNDLE is
// set, as it is on this platform's build machines.
var cloudFingerprinters = []string{"env_aws", "env_gce", "env_azure", "env_digitalocean"}

// nomadConfig is a Nomad server and client in one agent, scheduling
// raw_exec tasks onto loopback ports and registering their services in the
// Consul agent above — each with a token of its own job's, exchanged for
// the service's workload identity (acls.AuthMethod). Nomad's own token in
// Consul registers only the agent's services.
func (c Config) nomadConfig(s secrets) map[string]any {
	return map[string]any{
		"name":      "hostctl-dev",
		"data_dir":  c.nomadDataDir(),
		"bind_addr": Addr,
		"advertise": map[string]string{"http": Addr, "rpc": Addr, "serf": Addr},
		"ports":     map[string]int{"http": c.Ports.NomadHTTP, "rpc": c.Ports.NomadRPC, "serf": c.Ports.NomadSerf},
		"server":    map[string]any{"enabled": true, "bootstrap_expect": 1, "encrypt": s.gossipKey},
		"acl":       map[string]any{"enabled": true},
		"client": map[string]any{
			"enabled": true,
			// Dynamic ports are handed out on loopback: the router is the only
			// way in.
			"network_interface": "lo",
			// Site tasks run through this binary's `launch` (package
			// sandbox); jobs are constrained to nodes that advertise one.
			// Sites with media run only on the node holding their store.
			"meta": map[string]string{contract.LauncherMeta: c.HostctlBin, contract.MediaRootMeta: c.MediaRoot()},
			"options": map[string]string{
				"fingerprint.denylist": strings.Join(cloudFingerprinters, ","),
				"driver.allowlist":     "raw_exec",
				// raw_exec tasks inherit the client's environment; no
				// credential in it may reach a site. The agents are started
				// with a clean one too (agentEnv).
				"env.denylist": strings.Join(tokenVariables, ","),
			},
			"artifact": ArtifactLimits,
		},
		"plugin": map[string]any{"raw_exec": map[string]any{"config": map[string]any{"enabled": true}}},
		"consul": map[string]any{
			"address": c.ConsulAddr(),
			"token":   s.tokens.NomadConsul.SecretID,
			// Services get a workload identity Consul trusts; tasks get
			// none (no task_identity): site processes need no Consul token.
			"service_identity": map[string]any{"aud": []string{"consul.io"}, "ttl": "1h"},
		},
		"disable_update_check": true,
		"log_level":            "INFO",
	}
}

// ArtifactLimits bound what a site's git or archive source may cost a
// node: Nomad's defaults let an archive unpack to 100 GB. The launcher's
// own copy of the code is capped at 50,000 files and 2 GiB as well.
var ArtifactLimits = map[string]any{
	"http_max_size":                  "512MB",
	"decompression_size_limit":       "2GB",
	"decompression_file_count_limit": 50000,
	"http_read_timeout":              "5m",
	"git_timeout":                    "5m",
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}
