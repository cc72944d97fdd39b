// Package agentconfig is the one definition of the Consul and Nomad agent
// configurations hostctl runs on: ACLs denying by default, gossip
// encryption, raw_exec as the only driver, cloud fingerprinters denied, the
// environment denylist, artifact limits, the Consul integration through
// service workload identities, the ports that stay closed, TLS.
//
// Two places render agent configs, and both follow this package:
//
//   - devcluster builds its one-machine cluster's configs with Consul and
//     Nomad, adding only the secrets it keeps inline (Secrets).
//   - terraform/modules/node renders production nodes' configs in HCL. Its
//     test (terraform/agentconfig_test.go) renders the module for a matrix
//     of inputs and requires its consul_config and nomad_config outputs to
//     equal Consul and Nomad here field by field, and the module's variable
//     defaults to equal Production's. A setting changed on one side only
//     fails that test.
//
// The functions return plain maps, marshalled to JSON as the agents' config
// files; only what a Node's fields say differs between deployments.
package agentconfig

import (
	"strconv"
	"strings"

	"github.com/hostctl/hostctl/contract"
)

// Node is what differs between one deployment of the agents and another:
// which roles the node has, where things are, which ports, whether TLS is
// on. Everything else is fixed by this package.
type Node struct {
	// Name is the Consul node name and the Nomad agent name; "" leaves both
	// out, so the agents use the hostname.
	Name string
	// Server runs Consul and Nomad servers; Client runs a Nomad client
	// that runs sites. Consul runs on every node; Nomad only on servers
	// and clients (Nomad returns nil otherwise).
	Server, Client bool

	Datacenter string // Consul's and Nomad's
	Region     string // Nomad's
	// BootstrapExpect is the number of servers; only servers use it.
	BootstrapExpect int
	// RetryJoin is where the Consul agent finds the servers.
	RetryJoin []string
	// NomadServerJoin is where a Nomad server finds the other servers'
	// gossip (host:serf port), empty to rely on Consul alone. Nomad asks
	// Consul only while it knows too few Raft peers, so a server that
	// autopilot removed while its machine was lost (~40 s) and that comes
	// back with its old peer list would campaign alone forever.
	NomadServerJoin []string

	// BindAddr is the cluster address, also advertised; HTTPBindAddr is
	// where the HTTP APIs listen.
	BindAddr, HTTPBindAddr string
	Ports                  Ports

	ConsulDataDir, NomadDataDir string
	LogLevel                    string
	// HTTPMaxConnsPerClient caps concurrent HTTP connections from one IP,
	// in Consul and Nomad. The router holds a blocking Consul query per
	// site: the default cap of 200 stops routing at about 200 sites.
	HTTPMaxConnsPerClient int

	// NetworkInterface is where Nomad gives site instances their dynamic
	// ports; "" lets Nomad pick the default route's interface.
	NetworkInterface string
	// SitesCIDR, if set, narrows the addresses of NetworkInterface that
	// site instances listen on: on one machine simulating several nodes,
	// each node is one loopback address (docs/reliability.md).
	SitesCIDR string
	// NodeClass is the Nomad client's node class; "" leaves it out.
	NodeClass string
	// Launcher is the hostctl binary whose `launch` runs site tasks, and
	// MediaRoot the node's media store: both are advertised as client meta
	// (contract.LauncherMeta, contract.MediaRootMeta).
	Launcher, MediaRoot string
	Artifact            ArtifactLimits

	// TLS, when not nil, encrypts RPC and the HTTP APIs with the files it
	// names. Consul servers serve HTTPS instead of HTTP; Consul clients get
	// their certificates from the servers (auto_encrypt) and keep a plain
	// HTTP API on loopback for the node's own processes.
	TLS *TLS
	// GossipEncryption makes Consul verify gossip encryption both ways. The
	// key itself is a secret (Secrets), never part of the rendered config.
	GossipEncryption bool
}

// Ports are the agents' TCP ports. ConsulHTTPS is used only by Consul
// servers with TLS on, which then serve no plain HTTP.
type Ports struct {
	ConsulHTTP, ConsulHTTPS, ConsulServer, ConsulSerfLAN int
	NomadHTTP, NomadRPC, NomadSerf                       int
}

// TLS names the operator's PKI files on the node.
type TLS struct {
	ConsulCAFile, ConsulCertFile, ConsulKeyFile string
	NomadCAFile, NomadCertFile, NomadKeyFile    string
}

// ArtifactLimits bound what a site's git or archive source may cost a
// node (Nomad's client artifact block).
type ArtifactLimits struct {
	HTTPMaxSize                 string
	DecompressionSizeLimit      string
	DecompressionFileCountLimit int
	HTTPReadTimeout             string
	GitTimeout                  string
}

// Map is the artifact block as Nomad's config takes it.
func (a ArtifactLimits) Map() map[string]any {
	return map[string]any{
		"http_max_size":                  a.HTTPMaxSize,
		"decompression_size_limit":       a.DecompressionSizeLimit,
		"decompression_file_count_limit": a.DecompressionFileCountLimit,
		"http_read_timeout":              a.HTTPReadTimeout,
		"git_timeout":                    a.GitTimeout,
	}
}

// DefaultArtifactLimits: Nomad's own defaults let an archive unpack to
// 100 GB. The launcher's copy of the code is capped at 50,000 files and
// 2 GiB as well.
var DefaultArtifactLimits = ArtifactLimits{
	HTTPMaxSize:                 "512MB",
	DecompressionSizeLimit:      "2GB",
	DecompressionFileCountLimit: 50000,
	HTTPReadTimeout:             "5m",
	GitTimeout:                  "5m",
}

// DefaultPorts are the upstream ones, so the stock nomad and consul CLIs
// work without flags.
var DefaultPorts = Ports{
	ConsulHTTP: 8500, ConsulHTTPS: 8501, ConsulServer: 8300, ConsulSerfLAN: 8301,
	NomadHTTP: 4646, NomadRPC: 4647, NomadSerf: 4648,
}

// DefaultHTTPMaxConnsPerClient is high enough for thousands of sites'
// blocking queries from one router.
const DefaultHTTPMaxConnsPerClient = 4096

// CloudFingerprinters probe cloud metadata services. Nothing in hostctl
// uses their attributes, and env_aws breaks outright when AWS_CA_BUNDLE is
// set, as it is on this platform's build machines.
var CloudFingerprinters = []string{"env_aws", "env_gce", "env_azure", "env_digitalocean"}

// EnvDenylist is what Nomad keeps out of raw_exec tasks' environment, which
// is otherwise the client's own: no credential in it may reach a site.
// Setting the list replaces Nomad's default, so it is Nomad's default plus
// every token variable an operator's shell may hold (devcluster's agents
// are also started with a clean environment).
var EnvDenylist = []string{
	"CONSUL_TOKEN", "CONSUL_HTTP_TOKEN", "CONSUL_HTTP_TOKEN_FILE", "NOMAD_TOKEN", "VAULT_TOKEN",
	"CONSUL_LICENSE", "NOMAD_LICENSE", "VAULT_LICENSE", "CONSUL_LICENSE_PATH", "NOMAD_LICENSE_PATH", "VAULT_LICENSE_PATH",
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_METADATA_URL",
	"GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_OAUTH_ACCESS_TOKEN", "HOSTCTL_PG_ADMIN_URL",
}

// Production is a node as terraform/modules/node renders it when given only
// its roles: the module's variable defaults (terraform/agentconfig_test.go
// holds the module to them).
func Production(server, client bool) Node {
	return Node{
		Server: server, Client: client,
		Datacenter: "dc1", Region: "global", BootstrapExpect: 3, RetryJoin: []string{},
		BindAddr: "{{ GetPrivateIP }}", HTTPBindAddr: "0.0.0.0",
		Ports:         DefaultPorts,
		ConsulDataDir: "/var/lib/consul", NomadDataDir: "/var/lib/nomad",
		LogLevel:              "INFO",
		HTTPMaxConnsPerClient: DefaultHTTPMaxConnsPerClient,
		NodeClass:             "sites",
		Launcher:              "/usr/local/bin/hostctl", MediaRoot: "/srv/hostctl/media",
		Artifact: DefaultArtifactLimits,
		TLS: &TLS{
			ConsulCAFile: "/etc/consul.d/tls/ca.pem", ConsulCertFile: "/etc/consul.d/tls/server.pem", ConsulKeyFile: "/etc/consul.d/tls/server-key.pem",
			NomadCAFile: "/etc/nomad.d/tls/ca.pem", NomadCertFile: "/etc/nomad.d/tls/agent.pem", NomadKeyFile: "/etc/nomad.d/tls/agent-key.pem",
		},
		GossipEncryption: true,
	}
}

// consulHTTPS: Consul servers serve HTTPS with the operator's certificate.
// Client agents' certificates come from the servers (auto_encrypt), signed
// by Consul's own CA, which nothing on the node could verify: their API
// stays plain HTTP, on loopback only (consulLoopback), for the node's Nomad
// agent and router.
func (n Node) consulHTTPS() bool    { return n.TLS != nil && n.Server }
func (n Node) consulLoopback() bool { return n.TLS != nil && !n.Server }

// LocalHTTPHost is where local processes reach the agents' HTTP APIs:
// loopback when they listen on every interface.
func (n Node) LocalHTTPHost() string {
	if n.HTTPBindAddr == "0.0.0.0" {
		return "127.0.0.1"
	}
	return n.HTTPBindAddr
}

// ConsulHostPort is where the node's Nomad agent and router reach Consul:
// host:port, over HTTPS when the node is a server with TLS on.
func (n Node) ConsulHostPort() string {
	switch {
	case n.consulHTTPS():
		return n.LocalHTTPHost() + ":" + strconv.Itoa(n.Ports.ConsulHTTPS)
	case n.consulLoopback():
		return "127.0.0.1:" + strconv.Itoa(n.Ports.ConsulHTTP)
	}
	return n.LocalHTTPHost() + ":" + strconv.Itoa(n.Ports.ConsulHTTP)
}

// Consul is the Consul agent's config. It holds no secret: the gossip key
// and the agent's token come from Secrets, merged in by the agent from
// another file of its config dir (production) or by Merge (devcluster).
func Consul(n Node) map[string]any {
	clientAddr := n.HTTPBindAddr
	if n.consulLoopback() {
		clientAddr = "127.0.0.1"
	}
	ports := map[string]int{
		"http": n.Ports.ConsulHTTP, "https": -1,
		"server": n.Ports.ConsulServer, "serf_lan": n.Ports.ConsulSerfLAN,
		// hostctl talks to Consul over HTTP only: gRPC (Connect), DNS and
		// WAN federation stay off, each one port fewer to secure.
		"serf_wan": -1, "dns": -1, "grpc": -1, "grpc_tls": -1,
	}
	if n.consulHTTPS() {
		ports["http"], ports["https"] = -1, n.Ports.ConsulHTTPS
	}
	c := map[string]any{
		"datacenter":           n.Datacenter,
		"data_dir":             n.ConsulDataDir,
		"server":               n.Server,
		"bind_addr":            n.BindAddr,
		"advertise_addr":       n.BindAddr,
		"client_addr":          clientAddr,
		"retry_join":           nonNil(n.RetryJoin),
		"ports":                ports,
		"disable_update_check": true,
		"log_level":            n.LogLevel,
		"limits":               map[string]any{"http_max_conns_per_client": n.HTTPMaxConnsPerClient},
		// Nothing is allowed without a token. extend-cache: a partitioned
		// node keeps serving what it was allowed rather than denying
		// everything.
		"acl": map[string]any{
			"enabled": true, "default_policy": "deny", "down_policy": "extend-cache",
			"enable_token_persistence": true,
		},
	}
	if n.GossipEncryption {
		c["encrypt_verify_incoming"] = true
		c["encrypt_verify_outgoing"] = true
	}
	switch {
	case n.consulHTTPS():
		c["tls"] = map[string]any{
			"defaults": map[string]any{
				"ca_file": n.TLS.ConsulCAFile, "cert_file": n.TLS.ConsulCertFile, "key_file": n.TLS.ConsulKeyFile,
				// The HTTPS API is for operators, the UI and local
				// processes, which hold tokens, not certificates.
				"verify_incoming": false, "verify_outgoing": true,
			},
			"internal_rpc": map[string]any{"verify_incoming": true, "verify_server_hostname": true},
		}
		// Clients get their RPC certificates from the servers.
		c["auto_encrypt"] = map[string]any{"allow_tls": true}
	case n.consulLoopback():
		c["tls"] = map[string]any{
			"defaults":     map[string]any{"ca_file": n.TLS.ConsulCAFile, "verify_outgoing": true},
			"internal_rpc": map[string]any{"verify_server_hostname": true},
		}
		c["auto_encrypt"] = map[string]any{"tls": true}
	}
	if n.Name != "" {
		c["node_name"] = n.Name
	}
	if n.Server {
		c["bootstrap_expect"] = n.BootstrapExpect
		c["ui_config"] = map[string]any{"enabled": true}
		// HashiCorp's production recommendation: leader election in ~1 s
		// instead of ~5 s. The default 5 is for tiny development machines.
		c["performance"] = map[string]any{"raft_multiplier": 1}
	}
	return c
}

// Nomad is the Nomad agent's config, nil on a node that is neither server
// nor client. Servers and clients find each other through the Consul
// agent. Services get a workload identity Consul trusts (acls.AuthMethod),
// each good for its own job's name; tasks get none (no task_identity):
// site processes need no Consul token. Like Consul, it holds no secret.
// NomadStatsInterval is Nomad's telemetry collection interval.
const NomadStatsInterval = "10s"

// NomadMinHeartbeatTTL, NomadHeartbeatGrace and NomadFailoverHeartbeatTTL
// decide how soon Nomad's servers call a silent client down (see Nomad's
// server block below and docs/reliability.md).
const (
	NomadMinHeartbeatTTL      = "2s"
	NomadHeartbeatGrace       = "15s"
	NomadFailoverHeartbeatTTL = "30s"
)

func Nomad(n Node) map[string]any {
	if !n.Server && !n.Client {
		return nil
	}
	consul := map[string]any{
		"address":          n.ConsulHostPort(),
		"service_identity": map[string]any{"aud": []string{"consul.io"}, "ttl": "1h"},
	}
	if n.consulHTTPS() {
		consul["ssl"], consul["verify_ssl"], consul["ca_file"] = true, true, n.TLS.ConsulCAFile
	}
	c := map[string]any{
		"region":               n.Region,
		"datacenter":           n.Datacenter,
		"data_dir":             n.NomadDataDir,
		"bind_addr":            n.BindAddr,
		"addresses":            map[string]string{"http": n.HTTPBindAddr},
		"advertise":            map[string]string{"http": n.BindAddr, "rpc": n.BindAddr, "serf": n.BindAddr},
		"ports":                map[string]int{"http": n.Ports.NomadHTTP, "rpc": n.Ports.NomadRPC, "serf": n.Ports.NomadSerf},
		"consul":               consul,
		"acl":                  map[string]any{"enabled": true},
		"limits":               map[string]any{"http_max_conns_per_client": n.HTTPMaxConnsPerClient},
		"disable_update_check": true,
		"log_level":            n.LogLevel,
		// Every interval the leader sets gauges for every job's summary:
		// at the default 1 s, 4,000 sleeping sites kept most of a core
		// busy doing that alone (docs/benchmarks.md, density).
		"telemetry": map[string]any{"collection_interval": NomadStatsInterval},
	}
	if n.Name != "" {
		c["name"] = n.Name
	}
	if n.TLS != nil {
		c["tls"] = map[string]any{
			"http": true, "rpc": true,
			"ca_file": n.TLS.NomadCAFile, "cert_file": n.TLS.NomadCertFile, "key_file": n.TLS.NomadKeyFile,
			// A client's certificate cannot pass for a server's.
			"verify_server_hostname": true,
			// The API and UI are for people and tools holding tokens.
			"verify_https_client": false,
		}
	}
	if n.Server {
		server := map[string]any{
			"enabled":          true,
			"bootstrap_expect": n.BootstrapExpect,
			// Applied when the cluster is first bootstrapped (devcluster
			// also sets it through the API, for state dirs made before):
			// pack sites densely, and let a site burst above its reserved
			// memory up to its memory_max, which Nomad ignores unless
			// oversubscription is on.
			"default_scheduler_config": map[string]any{
				"scheduler_algorithm":             "binpack",
				"memory_oversubscription_enabled": true,
			},
			// A client that stops heartbeating is down after its TTL
			// (drawn between the minimum and twice it, scaled up past 50
			// heartbeats a second, i.e. beyond 100 clients at 2 s) plus
			// the grace, and only then are its instances replaced
			// elsewhere. The grace must outlast one heartbeat sent to a
			// server that vanished: Nomad dials with a fixed 10 s timeout
			// and retries 1-2 s later. With 5 s, losing one server's
			// machine marked the live clients using it down and stopped
			// their instances when they came back. 2 s + 15 s finds a
			// lost client in 15-19 s.
			"min_heartbeat_ttl": NomadMinHeartbeatTTL,
			"heartbeat_grace":   NomadHeartbeatGrace,
			// A new leader gives every client this long before its timer
			// runs as usual (Nomad's default 5 m): with the leader's
			// machine lost, that is how long its own client's instances
			// wait to be replaced. It must outlast two stalled heartbeats
			// (one forwarded to the dead leader, one sent to it).
			"failover_heartbeat_ttl": NomadFailoverHeartbeatTTL,
		}
		if len(n.NomadServerJoin) > 0 {
			server["server_join"] = map[string]any{"retry_join": n.NomadServerJoin}
		}
		c["server"] = server
	}
	if n.Client {
		client := map[string]any{
			"enabled": true,
			// Site tasks run through this binary's `launch` (package
			// sandbox); jobs are constrained to nodes that advertise one.
			// Sites with media run only on the node holding their store.
			"meta": map[string]string{contract.LauncherMeta: n.Launcher, contract.MediaRootMeta: n.MediaRoot},
			"options": map[string]string{
				"fingerprint.denylist": strings.Join(CloudFingerprinters, ","),
				"driver.allowlist":     "raw_exec",
				"env.denylist":         strings.Join(EnvDenylist, ","),
			},
			"artifact": n.Artifact.Map(),
		}
		if n.NodeClass != "" {
			client["node_class"] = n.NodeClass
		}
		if n.NetworkInterface != "" {
			client["network_interface"] = n.NetworkInterface
		}
		client["host_network"] = []map[string]any{{contract.SitesNetwork: n.sitesNetwork()}}
		c["client"] = client
		c["plugin"] = map[string]any{"raw_exec": map[string]any{"config": map[string]any{"enabled": true}}}
	}
	return c
}

// DefaultRouteInterface is Nomad's own choice when no network_interface is
// given, written as the go-sockaddr template Nomad evaluates on the node.
const DefaultRouteInterface = `{{ GetDefaultInterfaces | attr "name" }}`

// sitesNetwork is the host network every site port asks for
// (contract.SitesNetwork): the addresses of the instances' interface,
// narrowed to SitesCIDR when set. Without a host network Nomad takes the
// interface's first address, which on a shared loopback is 127.0.0.1 for
// every simulated node.
func (n Node) sitesNetwork() map[string]any {
	hn := map[string]any{"interface": DefaultRouteInterface}
	if n.NetworkInterface != "" {
		hn["interface"] = n.NetworkInterface
	}
	if n.SitesCIDR != "" {
		hn["cidr"] = n.SitesCIDR
	}
	return hn
}

// Secrets are what the rendered configs leave out. Production places them
// in a secrets.json of each agent's config dir (package acls makes those
// files); devcluster merges them into its configs.
type Secrets struct {
	GossipKey string
	// ConsulManagement is Consul's initial management token, which
	// bootstraps its ACL system when the first server leads; "" leaves it
	// out (production bootstraps through `hostctl cluster bootstrap`).
	ConsulManagement string
	// ConsulAgent is the Consul agent's own token; NomadConsul is the token
	// Nomad's agent uses in Consul.
	ConsulAgent, NomadConsul string
}

// ConsulSecrets is the fragment of the Consul config that holds secrets.
func ConsulSecrets(s Secrets) map[string]any {
	tokens := map[string]string{"agent": s.ConsulAgent}
	if s.ConsulManagement != "" {
		tokens["initial_management"] = s.ConsulManagement
	}
	return map[string]any{"encrypt": s.GossipKey, "acl": map[string]any{"tokens": tokens}}
}

// NomadSecrets is the fragment of the Nomad config that holds secrets. Only
// servers gossip, so only they get the key.
func NomadSecrets(s Secrets, server bool) map[string]any {
	f := map[string]any{"consul": map[string]any{"token": s.NomadConsul}}
	if server {
		f["server"] = map[string]any{"encrypt": s.GossipKey}
	}
	return f
}

// Merge merges src into dst as the agents merge the files of their config
// dir: objects key by key, anything else replaced. It changes and returns
// dst.
func Merge(dst, src map[string]any) map[string]any {
	for k, v := range src {
		sm, ok1 := v.(map[string]any)
		dm, ok2 := dst[k].(map[string]any)
		if ok1 && ok2 {
			Merge(dm, sm)
			continue
		}
		dst[k] = v
	}
	return dst
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
