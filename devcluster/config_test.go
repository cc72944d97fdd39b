package devcluster

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hostctl/hostctl/acls"
)

// testSecrets are fixed credentials for rendering configs.
var testSecrets = secrets{gossipKey: "a2V5", tokens: acls.Tokens{
	ConsulManagement: acls.Token{SecretID: "consul-mgmt"}, ConsulAgent: acls.Token{SecretID: "consul-agent"},
	NomadConsul: acls.Token{SecretID: "nomad-consul"},
}}

func TestNomadConfig(t *testing.T) {
	c := Config{StateDir: "/var/lib/x", Ports: PortsFrom(20000)}
	n := c.nomadConfig(1, testSecrets)
	client := n["client"].(map[string]any)
	if client["network_interface"] != "lo" {
		t.Errorf("network_interface = %v, want lo", client["network_interface"])
	}
	opts := client["options"].(map[string]string)
	if !strings.Contains(opts["fingerprint.denylist"], "env_aws") {
		t.Errorf("env_aws not denied: %v", opts)
	}
	// Nomad's defaults let a site's archive unpack to 100 GB.
	if art := client["artifact"].(map[string]any); art["decompression_size_limit"] != "2GB" || art["decompression_file_count_limit"] != 50000 {
		t.Errorf("artifact limits = %v", art)
	}
	raw := n["plugin"].(map[string]any)["raw_exec"].(map[string]any)["config"].(map[string]any)
	if raw["enabled"] != true {
		t.Errorf("raw_exec not enabled: %v", raw)
	}
	cons := n["consul"].(map[string]any)
	if got := cons["address"]; got != "127.0.0.1:20000" {
		t.Errorf("consul address = %v", got)
	}
	// Sites' services register with their own workload identities; the
	// agent's token is its own; tasks get no Consul identity at all.
	if cons["token"] != "nomad-consul" || cons["service_identity"] == nil || cons["task_identity"] != nil {
		t.Errorf("consul block = %v", cons)
	}
	if n["acl"].(map[string]any)["enabled"] != true || n["server"].(map[string]any)["encrypt"] != "a2V5" {
		t.Errorf("nomad acl %v, server %v", n["acl"], n["server"])
	}
	if deny := opts["env.denylist"]; !strings.Contains(deny, "NOMAD_TOKEN") || !strings.Contains(deny, "CONSUL_HTTP_TOKEN") {
		t.Errorf("env.denylist = %q: the operator's tokens could reach raw_exec tasks", deny)
	}
	if got := n["ports"].(map[string]int)["http"]; got != 20003 {
		t.Errorf("nomad http port = %d", got)
	}
	if n["data_dir"] != "/var/lib/x/nomad" {
		t.Errorf("data_dir = %v", n["data_dir"])
	}
}

func TestConsulConfig(t *testing.T) {
	c := Config{StateDir: "/s", Ports: DefaultPorts}
	cc := c.consulConfig(1, testSecrets)
	acl := cc["acl"].(map[string]any)
	if acl["enabled"] != true || acl["default_policy"] != "deny" || acl["tokens"].(map[string]string)["initial_management"] != "consul-mgmt" {
		t.Errorf("consul acl = %v", acl)
	}
	if cc["encrypt"] != "a2V5" {
		t.Errorf("gossip not encrypted: %v", cc["encrypt"])
	}
	ports := cc["ports"].(map[string]int)
	if ports["http"] != 8500 || ports["dns"] != -1 || ports["grpc"] != -1 {
		t.Errorf("ports = %v", ports)
	}
	if got := cc["limits"].(map[string]any)["http_max_conns_per_client"]; got.(int) < 1000 {
		t.Errorf("consul per-client connection cap %v would stop the router at ~200 sites", got)
	}
	if cc["client_addr"] != Addr || cc["bind_addr"] != Addr {
		t.Errorf("consul listens beyond loopback: %v %v", cc["client_addr"], cc["bind_addr"])
	}
}

func TestPortsFromDistinct(t *testing.T) {
	p := PortsFrom(15000)
	seen := map[int]bool{}
	for _, v := range []int{p.ConsulHTTP, p.ConsulServer, p.ConsulSerfLAN, p.NomadHTTP, p.NomadRPC, p.NomadSerf, p.Router, p.RouterAdmin} {
		if seen[v] || v < 15000 || v > 15007 {
			t.Errorf("port %d repeated or out of range in %+v", v, p)
		}
		seen[v] = true
	}
}

func TestCheckTraversable(t *testing.T) {
	root := t.TempDir()
	locked := filepath.Join(root, "locked")
	inner := filepath.Join(locked, "inner")
	if err := os.MkdirAll(inner, 0o711); err != nil {
		t.Fatal(err)
	}
	os.Chmod(root, 0o711)
	os.Chmod(locked, 0o700)
	err := checkTraversable(inner)
	if err == nil || !strings.Contains(err.Error(), locked+" is mode 0700") {
		t.Errorf("checkTraversable = %v, want it to blame %s", err, locked)
	}
	os.Chmod(locked, 0o711)
	// t.TempDir's own parents may be private; only the part we made counts.
	if err := checkTraversable(inner); err != nil && strings.Contains(err.Error(), locked) {
		t.Errorf("after chmod 0711: %v", err)
	}
}

func TestValidateNamesMissingBinaries(t *testing.T) {
	err := Config{StateDir: "relative", NomadBin: "/nonexistent/nomad", ConsulBin: "/bin/sh", HostctlBin: "/bin/sh"}.Validate()
	if err == nil {
		t.Fatal("accepted a missing nomad binary and a relative state dir")
	}
	for _, want := range []string{"/nonexistent/nomad", "scripts/bootstrap", "absolute"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

func TestUnescapeMount(t *testing.T) {
	if got := unescapeMount(`/a\040b/c`); got != "/a b/c" {
		t.Errorf("got %q", got)
	}
	if got := unescapeMount("/plain"); got != "/plain" {
		t.Errorf("got %q", got)
	}
}

// Whoever runs `dev up` may have the operator's tokens in their shell; the
// agents must not inherit them, since Nomad passes its environment on to
// every raw_exec task.
func TestAgentEnvHoldsNoCredentials(t *testing.T) {
	for k, v := range map[string]string{
		"NOMAD_TOKEN": "mgmt", "CONSUL_HTTP_TOKEN": "mgmt", "CONSUL_HTTP_TOKEN_FILE": "/x", "VAULT_TOKEN": "v",
		"HOSTCTL_PG_ADMIN_URL": "postgres://postgres:pw@x/", "MY_API_SECRET": "s", "NOMAD_ADDR": "http://x", "KEEP_ME": "yes",
	} {
		t.Setenv(k, v)
	}
	env := strings.Join(agentEnv("EXTRA=1"), "\n")
	for _, leaked := range []string{"NOMAD_TOKEN=", "CONSUL_HTTP_TOKEN", "VAULT_TOKEN", "HOSTCTL_PG_ADMIN_URL", "MY_API_SECRET", "NOMAD_ADDR"} {
		if strings.Contains(env, leaked) {
			t.Errorf("agent environment carries %s", leaked)
		}
	}
	if !strings.Contains(env, "KEEP_ME=yes") || !strings.Contains(env, "EXTRA=1") {
		t.Errorf("agent environment lost ordinary variables:\n%s", env)
	}
}
