package integration

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	consul "github.com/hashicorp/consul/api"
	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/acls"
	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/devcluster"
	"github.com/hostctl/hostctl/internal/testkit"
)

// TestTerraformNodes proves that what terraform/modules/node renders makes
// working, closed nodes, set up the way docs/operations.md tells an
// operator to: `hostctl cluster init` makes the cluster's tokens and
// gossip keys, a throwaway CA per agent signs the certificates, the local
// example renders a server+router node and a separate client node (loopback
// addresses, ports and directories passed as variables), the rendered
// files are installed where each node has them and the operator's files
// where the module's secret_files says; the agents and the router start
// with the command lines, credentials and pre-start checks of the rendered
// systemd units; `hostctl cluster bootstrap` turns the ACLs on once the
// servers run; the client's agents find the servers by themselves (Consul
// through retry_join and auto_encrypt, Nomad through Consul); anonymous
// requests are refused while the operator's tokens work; and a site
// deployed with `hostctl site apply` runs on the client and is served
// through the router.
func TestTerraformNodes(t *testing.T) {
	testkit.NeedsServers(t, "Consul and Nomad agents provisioned by Terraform")
	testkit.NeedsRoot(t, "the nodes run Nomad's raw_exec tasks as other users")
	tf := terraformBin(t)
	bins := binDir(t)

	// Not t.TempDir(): its 0700 parents would lock the site user out of its
	// task directories, which setup-dirs.sh checks for.
	top, err := os.MkdirTemp("/tmp", "hostctl-tf-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(top, 0o711); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Whatever happened, nothing of either node may outlive the test.
		(&cluster{t: t, stateDir: top}).assertNothingLeft()
		if !t.Failed() {
			_ = os.RemoveAll(top)
		} else {
			t.Logf("kept %s for inspection", top)
		}
	})
	// Both nodes use one bin dir, as machines built from one image would.
	binPath := filepath.Join(top, "bin")
	if err := os.Mkdir(binPath, 0o755); err != nil {
		t.Fatal(err)
	}
	// A copy, not a link: the image's binary, which Nomad runs as the
	// launcher.
	hostctl := filepath.Join(binPath, "hostctl")
	if b, err := os.ReadFile(hostctlBinary(t)); err != nil {
		t.Fatal(err)
	} else if err := os.WriteFile(hostctl, b, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"nomad", "consul"} {
		if err := os.Symlink(filepath.Join(bins, b), filepath.Join(binPath, b)); err != nil {
			t.Fatal(err)
		}
	}
	example, err := filepath.Abs("../terraform/examples/local")
	if err != nil {
		t.Fatal(err)
	}

	// The operator's side: the cluster's secrets, and a CA of each agent's
	// with the certificates the module's secret_files asks for.
	secrets := filepath.Join(top, "secrets")
	c := &cluster{t: t, bin: hostctl, stateDir: top}
	c.env = os.Environ()
	out := c.mustRun("cluster", "init", secrets)
	for _, name := range []string{acls.TokensFile, acls.ConsulSecretsFile, acls.NomadServerSecretsFile, acls.NomadClientSecretsFile, acls.RouterConsulTokenFile, acls.RouterAdminTokenFile} {
		if fi, err := os.Stat(filepath.Join(secrets, name)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("cluster init: %s: %v (%v), want a 0600 file\n%s", name, fi, err, out)
		}
	}
	writePKI(t, secrets)
	consulCA, nomadCA := filepath.Join(secrets, "consul-ca.pem"), filepath.Join(secrets, "nomad-ca.pem")

	server := newTFNode(t, tf, example, top, "tf-server", binPath)
	server.render([]string{"server", "router"}, nil)
	if want := []string{"consul", "nomad", "hostctl-router"}; !slices.Equal(server.units, want) {
		t.Fatalf("server units = %v, want %v", server.units, want)
	}
	if !strings.HasPrefix(server.consulAddr, "https://") || !strings.HasPrefix(server.nomadAddr, "https://") {
		t.Fatalf("server APIs %s and %s: want HTTPS", server.consulAddr, server.nomadAddr)
	}
	server.checkSecretGuard(secrets)
	server.placeSecrets(secrets)

	// Before the bootstrap nothing but the status endpoints answers, so
	// readiness is a leader, asked without a token.
	consulHTTPS, nomadHTTPS := tlsClient(t, consulCA), tlsClient(t, nomadCA)
	leader := func(h *http.Client, url string) func() error {
		return func() error {
			code, body, err := call(h, "GET", url, "")
			if err == nil && (code != 200 || len(body) < 3) {
				err = fmt.Errorf("%d %q", code, body)
			}
			return err
		}
	}
	server.start([]string{"consul", "nomad"}, map[string]func() error{
		"consul": leader(consulHTTPS, server.consulAddr+"/v1/status/leader"),
		"nomad":  leader(nomadHTTPS, server.nomadAddr+"/v1/status/leader"),
	})

	c.env = append(os.Environ(),
		"NOMAD_ADDR="+server.nomadAddr, "NOMAD_CACERT="+nomadCA,
		"CONSUL_HTTP_ADDR="+server.consulAddr, "CONSUL_CACERT="+consulCA,
		"HOSTCTL_SOURCE_ROOT="+filepath.Join(top, "sources"))
	t0 := time.Now()
	out = c.mustRun("cluster", "bootstrap", secrets)
	t.Logf("cluster bootstrap took %s:\n%s", time.Since(t0).Round(time.Millisecond), out)
	for _, want := range []string{"consul: ACL system bootstrapped", "nomad: ACL system bootstrapped", "auth method nomad-workloads trusts"} {
		if !strings.Contains(out, want) {
			t.Errorf("bootstrap output lacks %q", want)
		}
	}
	// Safe to repeat: a second run finds everything in place.
	if out := c.mustRun("cluster", "bootstrap", secrets); !strings.Contains(out, "consul: ACL system already bootstrapped") {
		t.Errorf("second bootstrap:\n%s", out)
	}
	tokens, err := acls.LoadTokens(filepath.Join(secrets, acls.TokensFile))
	if err != nil {
		t.Fatal(err)
	}
	env := c.mustRun("cluster", "env", secrets)
	for _, want := range []string{"export NOMAD_TOKEN=" + tokens.NomadManagement.SecretID + "\n", "export CONSUL_HTTP_TOKEN=" + tokens.ConsulManagement.SecretID + "\n", tokens.UIReadOnly.SecretID} {
		if !strings.Contains(env, want) {
			t.Errorf("cluster env lacks %q:\n%s", want, env)
		}
	}
	c.env = append(c.env, "NOMAD_TOKEN="+tokens.NomadManagement.SecretID, "CONSUL_HTTP_TOKEN="+tokens.ConsulManagement.SecretID)

	// The operator's API clients.
	nc, err := nomad.NewClient(&nomad.Config{Address: server.nomadAddr, SecretID: tokens.NomadManagement.SecretID, TLSConfig: &nomad.TLSConfig{CACert: nomadCA}})
	if err != nil {
		t.Fatal(err)
	}
	cc, err := consul.NewClient(&consul.Config{Address: server.consulAddr, Token: tokens.ConsulManagement.SecretID, TLSConfig: consul.TLSConfig{CAFile: consulCA}})
	if err != nil {
		t.Fatal(err)
	}
	routerAdmin := "http://127.0.0.1:" + strconv.Itoa(server.ports.RouterAdmin)
	server.start([]string{"hostctl-router"}, map[string]func() error{
		"hostctl-router": func() error {
			code, body, err := call(http.DefaultClient, "GET", routerAdmin+"/healthz", "")
			if err == nil && code != 200 {
				err = fmt.Errorf("%d %s", code, body)
			}
			return err
		},
	})

	// The client's ports are picked once the server's are taken, so the two
	// ranges cannot overlap.
	client := newTFNode(t, tf, example, top, "tf-client", binPath)
	// A client agent asks for its certificate (auto_encrypt) at
	// retry_join's hosts on its own consul_server port, as on a real
	// cluster, where every node has the same ports; it listens on none.
	client.ports.ConsulServer = server.ports.ConsulServer
	client.render([]string{"client"}, []string{"127.0.0.1:" + strconv.Itoa(server.ports.ConsulSerfLAN)})
	if want := []string{"consul", "nomad"}; !slices.Equal(client.units, want) {
		t.Fatalf("client units = %v, want %v", client.units, want)
	}
	client.placeSecrets(secrets)
	client.start([]string{"consul", "nomad"}, map[string]func() error{
		"consul": func() error {
			members, err := cc.Agent().Members(false)
			if err != nil {
				return err
			}
			for _, m := range members {
				if m.Name == "tf-client" && m.Status == 1 { // serf StatusAlive
					return nil
				}
			}
			return errors.New("tf-client has not joined Consul yet")
		},
		"nomad": func() error {
			nodes, _, err := nc.Nodes().List(nil)
			if err != nil {
				return err
			}
			for _, nd := range nodes {
				if d, ok := nd.Drivers["raw_exec"]; nd.Name == "tf-client" && nd.Status == "ready" && ok && d.Healthy {
					return nil
				}
			}
			return errors.New("tf-client has not joined Nomad with a healthy raw_exec driver yet")
		},
	})
	// Sites' processes outlive the agents: stop every job first (cleanups
	// run last-registered first).
	t.Cleanup(func() { stopAllJobs(t, nc) })

	t.Run("the client joined as rendered", func(t *testing.T) {
		nodes, _, err := nc.Nodes().List(nil)
		if err != nil || len(nodes) != 1 {
			t.Fatalf("nomad nodes: %v %v (the server node must not run a client)", nodes, err)
		}
		nd, _, err := nc.Nodes().Info(nodes[0].ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if nd.NodeClass != "sites" || nd.Meta["hostctl_launcher"] != hostctl || nd.Meta["hostctl_media_root"] != client.at("media") {
			t.Errorf("node class %q meta %v", nd.NodeClass, nd.Meta)
		}
		for _, d := range []string{"exec", "java", "docker", "qemu"} {
			if _, ok := nd.Drivers[d]; ok {
				t.Errorf("driver %s loaded; only raw_exec is allowed", d)
			}
		}
		servers, _, err := cc.Catalog().Service("consul", "", nil)
		if err != nil || len(servers) != 1 || servers[0].Node != "tf-server" {
			t.Errorf("consul servers: %v %v, want tf-server only", servers, err)
		}
		nomadServers, err := nc.Agent().Members()
		if err != nil || len(nomadServers.Members) != 1 {
			t.Errorf("nomad servers: %+v %v, want one", nomadServers, err)
		}
	})

	// What the agents report as their running configuration, so a key they
	// silently ignore (a typo, a block in the wrong place, a secrets file
	// that did not merge) fails here.
	t.Run("agents run with the rendered settings", func(t *testing.T) {
		cnc, err := nomad.NewClient(&nomad.Config{Address: client.nomadAddr, SecretID: tokens.NomadManagement.SecretID, TLSConfig: &nomad.TLSConfig{CACert: nomadCA}})
		if err != nil {
			t.Fatal(err)
		}
		self, err := cnc.Agent().Self()
		if err != nil {
			t.Fatal(err)
		}
		cfg, _ := self.Config["Client"].(map[string]any)
		options, _ := cfg["Options"].(map[string]any)
		if deny, _ := options["fingerprint.denylist"].(string); !strings.Contains(deny, "env_aws") {
			t.Errorf("nomad client options %v lack the cloud fingerprinter denylist", options)
		}
		if deny, _ := options["env.denylist"].(string); !slices.Contains(strings.Split(deny, ","), "NOMAD_TOKEN") || !slices.Contains(strings.Split(deny, ","), "CONSUL_HTTP_TOKEN") {
			t.Errorf("nomad client env.denylist %q lacks the tokens", deny)
		}
		if iface, _ := cfg["NetworkInterface"].(string); iface != "lo" {
			t.Errorf("nomad network_interface %q, want lo", iface)
		}
		limits, _ := self.Config["Limits"].(map[string]any)
		if got, _ := limits["HTTPMaxConnsPerClient"].(float64); got != 4096 {
			t.Errorf("nomad http_max_conns_per_client %v, want 4096", limits["HTTPMaxConnsPerClient"])
		}
		if acl, _ := self.Config["ACL"].(map[string]any); acl["Enabled"] != true {
			t.Errorf("nomad client ACL config %v, want enabled", acl)
		}
		if tc, _ := self.Config["TLSConfig"].(map[string]any); tc["EnableHTTP"] != true || tc["EnableRPC"] != true || tc["VerifyServerHostname"] != true {
			t.Errorf("nomad client TLS config %v, want HTTP and RPC with server names verified", tc)
		}

		sself, err := nc.Agent().Self()
		if err != nil {
			t.Fatal(err)
		}
		if serf := sself.Stats["serf"]; serf["encrypted"] != "true" {
			t.Errorf("nomad server gossip stats %v: want encrypted", serf)
		}

		for _, n := range []struct {
			node   string
			client *consul.Client
			server bool
		}{{"tf-server", cc, true}, {"tf-client", consulOn(t, client, tokens.ConsulManagement.SecretID, consulCA), false}} {
			t.Run(n.node, func(t *testing.T) {
				cself, err := n.client.Agent().Self()
				if err != nil {
					t.Fatal(err)
				}
				dc := cself["DebugConfig"]
				if got, _ := dc["HTTPMaxConnsPerClient"].(float64); got != 4096 {
					t.Errorf("consul http_max_conns_per_client %v, want 4096", dc["HTTPMaxConnsPerClient"])
				}
				if got, _ := dc["DNSPort"].(float64); got != -1 {
					t.Errorf("consul DNS port %v, want -1 (off)", dc["DNSPort"])
				}
				if dc["ACLsEnabled"] != true {
					t.Errorf("consul ACLsEnabled %v", dc["ACLsEnabled"])
				}
				if rs, _ := dc["ACLResolverSettings"].(map[string]any); rs["ACLDefaultPolicy"] != "deny" {
					t.Errorf("consul ACL resolver settings %v, want default policy deny", rs)
				}
				if serf, _ := cself["Stats"]["serf_lan"].(map[string]any); serf["encrypted"] != "true" {
					t.Errorf("consul gossip stats %v: want encrypted", serf)
				}
				if n.server && dc["AutoEncryptAllowTLS"] != true || !n.server && dc["AutoEncryptTLS"] != true {
					t.Errorf("consul auto_encrypt: allow_tls %v tls %v", dc["AutoEncryptAllowTLS"], dc["AutoEncryptTLS"])
				}
			})
		}
	})

	t.Run("plain-text RPC is refused", func(t *testing.T) {
		for _, rpc := range []struct {
			name, addr string
			typ        byte
		}{
			{"consul", "127.0.0.1:" + strconv.Itoa(server.ports.ConsulServer), 0x00}, // pool.RPCConsul
			{"nomad", "127.0.0.1:" + strconv.Itoa(server.ports.NomadRPC), 0x01},      // pool.RpcNomad
		} {
			t.Run(rpc.name, func(t *testing.T) {
				if err := plainRPCRefused(rpc.addr, rpc.typ); err != nil {
					t.Error(err)
				}
			})
		}
	})

	t.Run("APIs refuse anonymous requests and plain HTTP", func(t *testing.T) {
		kv := server.consulAddr + "/v1/kv/hostctl-terraform-test"
		// Writes and single reads: listings answer anonymous requests
		// with their results filtered (an empty list), not a 403.
		vars := server.nomadAddr + "/v1/var/hostctl-terraform-test"
		routerTokenKV := server.consulAddr + "/v1/kv/" + contract.RouterNomadTokenKey
		varBody := `{"Items": {"k": "v"}}`
		cases := []struct {
			name, method, url, token, body string
			client                         *http.Client
			want                           int
		}{
			{"nomad jobs, anonymous", "GET", server.nomadAddr + "/v1/jobs", "", "", nomadHTTPS, 403},
			{"nomad jobs, operator", "GET", server.nomadAddr + "/v1/jobs", tokens.NomadManagement.SecretID, "", nomadHTTPS, 200},
			{"nomad variable write, anonymous", "PUT", vars, "", varBody, nomadHTTPS, 403},
			{"nomad variable write, operator", "PUT", vars, tokens.NomadManagement.SecretID, varBody, nomadHTTPS, 200},
			{"nomad variable read, anonymous", "GET", vars, "", "", nomadHTTPS, 403},
			{"nomad variable delete, operator", "DELETE", vars, tokens.NomadManagement.SecretID, "", nomadHTTPS, 204},
			{"consul KV write, anonymous", "PUT", kv, "", "x", consulHTTPS, 403},
			{"consul KV write, read-only UI token", "PUT", kv, tokens.UIReadOnly.SecretID, "x", consulHTTPS, 403},
			{"consul KV write, router token outside its prefix", "PUT", kv, tokens.Router.SecretID, "x", consulHTTPS, 403},
			{"consul KV write, operator", "PUT", kv, tokens.ConsulManagement.SecretID, "x", consulHTTPS, 200},
			{"consul KV read, anonymous", "GET", kv, "", "", consulHTTPS, 403},
			{"consul KV delete, operator", "DELETE", kv, tokens.ConsulManagement.SecretID, "", consulHTTPS, 200},
			// The router's Nomad token, left there by the bootstrap.
			{"router's Nomad token, anonymous", "GET", routerTokenKV, "", "", consulHTTPS, 403},
			{"router's Nomad token, read-only UI token", "GET", routerTokenKV, tokens.UIReadOnly.SecretID, "", consulHTTPS, 403},
			{"router's Nomad token, router token", "GET", routerTokenKV, tokens.Router.SecretID, "", consulHTTPS, 200},
			{"router's Nomad token, router token writing", "PUT", routerTokenKV, tokens.Router.SecretID, "x", consulHTTPS, 403},
			{"consul service register, anonymous", "PUT", server.consulAddr + "/v1/agent/service/register", "", `{"Name": "squatter", "Port": 20001}`, consulHTTPS, 403},
			{"consul catalog, read-only UI token", "GET", server.consulAddr + "/v1/catalog/service/consul", tokens.UIReadOnly.SecretID, "", consulHTTPS, 200},
		}
		for _, k := range cases {
			t.Run(k.name, func(t *testing.T) {
				code, body, err := callBody(k.client, k.method, k.url, k.token, k.body)
				if err != nil || code != k.want {
					t.Errorf("%s %s: %d %q %v, want %d", k.method, k.url, code, body, err, k.want)
				}
			})
		}
		// Only the CA's certificates are trusted, and the servers speak
		// nothing but TLS on their API ports.
		for _, u := range []string{server.consulAddr, server.nomadAddr} {
			if _, _, err := call(http.DefaultClient, "GET", u+"/v1/status/leader", ""); err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Errorf("%s with the system's roots: %v, want a certificate error", u, err)
			}
			plain := "http://" + strings.TrimPrefix(u, "https://")
			if code, _, err := call(http.DefaultClient, "GET", plain+"/v1/status/leader", ""); err == nil && code < 400 {
				t.Errorf("%s answered plain HTTP with %d", plain, code)
			}
		}
		if _, _, err := call(http.DefaultClient, "GET", "http://127.0.0.1:"+strconv.Itoa(server.ports.ConsulHTTP)+"/v1/status/leader", ""); err == nil {
			t.Error("the Consul server's plain HTTP port answers; with TLS it must be off")
		}
	})

	t.Run("scheduler bootstrapped from the server config", func(t *testing.T) {
		sc, _, err := nc.Operator().SchedulerGetConfiguration(nil)
		if err != nil {
			t.Fatal(err)
		}
		if sc.SchedulerConfig.SchedulerAlgorithm != nomad.SchedulerAlgorithmBinpack || !sc.SchedulerConfig.MemoryOversubscriptionEnabled {
			t.Errorf("scheduler config %+v, want binpack with memory oversubscription", sc.SchedulerConfig)
		}
	})

	routerURL := "http://127.0.0.1:" + strconv.Itoa(server.ports.Router)
	c.router = routerURL
	c.env = append(c.env, "HOSTCTL_ROUTER_URL="+routerURL)
	app := c.stage("hello", "../examples/hello")
	t0 = time.Now()
	out = c.mustRun("site", "apply", filepath.Join(app, "site.hcl"))
	t.Logf("site apply took %s:\n%s", time.Since(t0).Round(time.Millisecond), out)
	if !strings.Contains(out, "hello is live") {
		t.Errorf("apply did not report the site live:\n%s", out)
	}
	if code, body := c.get("hello.localhost", "/"); code != 200 || !strings.Contains(body, "site=hello") {
		t.Errorf("GET hello.localhost through the router: %d %q", code, body)
	}
	if entries, _, err := cc.Health().Service("hello", "hostctl", true, nil); err != nil || len(entries) != 1 || entries[0].Node.Node != "tf-client" {
		t.Errorf("passing instances of hello: %v %v, want one on tf-client", entries, err)
	}
	// Sleeping sites in production: the module's router wakes a site with
	// the Nomad token the bootstrap left it in Consul.
	c.mustRun("site", "sleep", "hello")
	running := func() int {
		allocs, _, err := nc.Jobs().Allocations("hello", false, nil)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, a := range allocs {
			if a.ClientStatus == nomad.AllocClientStatusRunning || a.ClientStatus == nomad.AllocClientStatusPending {
				n++
			}
		}
		return n
	}
	for deadline := time.Now().Add(30 * time.Second); running() > 0; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("hello still runs 30 s after site sleep")
		}
	}
	t0 = time.Now()
	if code, body := c.get("hello.localhost", "/"); code != 200 || !strings.Contains(body, "site=hello") {
		log, _ := os.ReadFile(server.at("log", "hostctl-router.log"))
		t.Errorf("GET a sleeping hello through the router: %d %q\n%s", code, body, tailLines(string(log), 20))
	} else {
		t.Logf("woken through the module's router in %s", time.Since(t0).Round(time.Millisecond))
	}
	if running() == 0 {
		t.Error("answered, but Nomad runs no instance of hello: it was not woken")
	}

	out = c.mustRun("site", "destroy", "hello")
	if !strings.Contains(out, "destroyed") {
		t.Errorf("destroy output: %s", out)
	}
	deadline := time.Now().Add(5 * time.Second)
	for code, body := c.get("hello.localhost", "/"); code != 404; code, body = c.get("hello.localhost", "/") {
		if time.Now().After(deadline) {
			t.Fatalf("after destroy: %d %q, want 404", code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}

	for _, n := range []*tfNode{client, server} {
		n.terraform("destroy", "-auto-approve", "-input=false", "-state="+n.at("tfstate"), "-var-file="+n.at("node.tfvars.json"))
		if left, _ := filepath.Glob(n.at("render") + n.at("etc", "*", "*")); len(left) != 0 {
			t.Errorf("terraform destroy left rendered files: %v", left)
		}
	}
}

// consulOn is an operator's client of a node's own Consul agent, whatever
// its API speaks (a client agent's is plain HTTP on loopback).
func consulOn(t *testing.T, n *tfNode, token, caFile string) *consul.Client {
	t.Helper()
	cfg := &consul.Config{Address: n.consulAddr, Token: token}
	if strings.HasPrefix(n.consulAddr, "https://") {
		cfg.TLSConfig.CAFile = caFile
	}
	cc, err := consul.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cc
}

// stopAllJobs stops and purges every job and waits until no allocation
// runs, so no site process outlives the agents.
func stopAllJobs(t *testing.T, nc *nomad.Client) {
	list, _, err := nc.Jobs().List(nil)
	if err != nil {
		t.Errorf("listing jobs to stop: %v", err)
		return
	}
	for _, j := range list {
		if _, _, err := nc.Jobs().Deregister(j.ID, true, nil); err != nil {
			t.Errorf("stopping %s: %v", j.ID, err)
		}
	}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		allocs, _, err := nc.Allocations().List(nil)
		live := 0
		for _, a := range allocs {
			if a.ClientStatus == nomad.AllocClientStatusRunning || a.ClientStatus == nomad.AllocClientStatusPending {
				live++
			}
		}
		if err == nil && live == 0 {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Error("allocations still running a minute after their jobs were stopped")
}

// plainRPCRefused opens a plain-text RPC connection (its first byte names
// the protocol, typ being plain RPC) and expects the server to hang up at
// once, as it does when TLS is required; a server that accepted it would
// wait for the request instead.
func plainRPCRefused(addr string, typ byte) error {
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.Write([]byte{typ}); err != nil {
		return err
	}
	_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	_, err = conn.Read(make([]byte, 1))
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("%s kept a plain-text RPC connection open", addr)
	}
	if err == nil {
		return fmt.Errorf("%s answered plain-text RPC", addr)
	}
	return nil
}

// tlsClient trusts the given CA only.
func tlsClient(t *testing.T, caFile string) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", caFile)
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// call makes one request with exactly the given token (none when empty):
// the API clients would fill one in from the environment.
func call(h *http.Client, method, url, token string) (int, string, error) {
	return callBody(h, method, url, token, "")
}

func callBody(h *http.Client, method, url, token, body string) (int, string, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	if token != "" {
		req.Header.Set("X-Consul-Token", token)
		req.Header.Set("X-Nomad-Token", token)
	}
	resp, err := h.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, strings.TrimSpace(string(b)), nil
}

// writePKI makes the operator's PKI the module's secret_files names: a
// throwaway CA for each agent, Consul's server certificate and Nomad's
// server and client ones, with the names verify_server_hostname checks
// and the loopback names local processes connect by.
func writePKI(t *testing.T, dir string) {
	t.Helper()
	loopback := []net.IP{net.ParseIP("127.0.0.1")}
	for _, ca := range []struct {
		name  string
		certs map[string]string // file prefix -> the role name in the certificate
	}{
		{"consul", map[string]string{"consul-server": "server.dc1.consul"}},
		{"nomad", map[string]string{"nomad-server": "server.global.nomad", "nomad-client": "client.global.nomad"}},
	} {
		caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		caTmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hostctl test " + ca.name + " CA"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		}
		caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		caCert, _ := x509.ParseCertificate(caDER)
		writePEM(t, filepath.Join(dir, ca.name+"-ca.pem"), "CERTIFICATE", caDER, 0o644)
		serial := int64(2)
		for prefix, role := range ca.certs {
			key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			tmpl := &x509.Certificate{
				SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: role},
				NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
				DNSNames: []string{role, "localhost"}, IPAddresses: loopback,
				KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
				ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
			}
			serial++
			der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
			if err != nil {
				t.Fatal(err)
			}
			keyDER, err := x509.MarshalECPrivateKey(key)
			if err != nil {
				t.Fatal(err)
			}
			writePEM(t, filepath.Join(dir, prefix+".pem"), "CERTIFICATE", der, 0o644)
			writePEM(t, filepath.Join(dir, prefix+"-key.pem"), "EC PRIVATE KEY", keyDER, 0o600)
		}
	}
}

func writePEM(t *testing.T, path, typ string, der []byte, mode fs.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode); err != nil {
		t.Fatal(err)
	}
}

// tfNode is one node rendered by the local example under its own state dir,
// laid out like a dev cluster's (nomad/ for Nomad's data, run/NAME.pid,
// devcluster.PortsFrom) so devcluster.Down can clear up after it. The
// Postgres port of the range is Consul's HTTPS port here.
type tfNode struct {
	t                     *testing.T
	tf, example           string
	name, state, binPath  string
	ports                 devcluster.Ports
	units                 []string
	nomadAddr, consulAddr string
	files                 map[string]struct {
		Content     string `json:"content"`
		Permissions string `json:"permissions"`
	}
	secretFiles map[string]struct {
		Source      string `json:"source"`
		Owner       string `json:"owner"`
		Permissions string `json:"permissions"`
	}
	procs []*unitProc
}

// unitProc is a running unit's main process; done closes once it has been
// reaped.
type unitProc struct {
	unit string
	cmd  *exec.Cmd
	kill syscall.Signal
	done chan struct{}
}

func newTFNode(t *testing.T, tf, example, top, name, binPath string) *tfNode {
	t.Helper()
	n := &tfNode{t: t, tf: tf, example: example, name: name, state: filepath.Join(top, name), binPath: binPath,
		ports: devcluster.PortsFrom(freePortBase(t))}
	if err := os.Mkdir(n.state, 0o711); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"log", "run"} {
		if err := os.Mkdir(n.at(d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

func (n *tfNode) at(parts ...string) string {
	return filepath.Join(append([]string{n.state}, parts...)...)
}

func (n *tfNode) terraform(args ...string) string {
	n.t.Helper()
	cmd := exec.Command(n.tf, append([]string{"-chdir=" + n.example}, args...)...)
	// State, the .terraform dir and the CLI config stay out of the repo
	// and out of the machine's settings.
	cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_INPUT=0",
		"TF_CLI_CONFIG_FILE=/dev/null", "TF_DATA_DIR="+n.at("tfdata"))
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		n.t.Fatalf("terraform %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String()
}

// render applies the local example for this node, with TLS files and
// everything else under the node's state dir, checks the tree it wrote,
// installs the files where the node has them (what an operator does by
// copying the tree onto the node's /), and runs setup-dirs.sh, the part of
// first boot that applies here: the package, media-volume and systemd
// steps would change the whole machine.
func (n *tfNode) render(roles, retryJoin []string) {
	t := n.t
	t.Helper()
	p := n.ports
	vars := map[string]any{
		"output_dir":       n.at("render"),
		"name":             n.name,
		"roles":            roles,
		"bootstrap_expect": 1,
		"retry_join":       retryJoin,
		"consul_user":      "root",
		"media_image_gib":  1,
		"ports": map[string]int{
			"consul_http": p.ConsulHTTP, "consul_https": p.Postgres, "consul_server": p.ConsulServer, "consul_serf_lan": p.ConsulSerfLAN,
			"nomad_http": p.NomadHTTP, "nomad_rpc": p.NomadRPC, "nomad_serf": p.NomadSerf,
			"router": p.Router, "router_admin": p.RouterAdmin,
		},
		"paths": map[string]string{
			"bin_dir": n.binPath, "lib_dir": n.at("lib"), "systemd_dir": n.at("systemd"),
			"consul_config_dir": n.at("etc", "consul.d"), "nomad_config_dir": n.at("etc", "nomad.d"),
			"hostctl_config_dir": n.at("etc", "hostctl"),
			"consul_data_dir":    n.at("consul"), "nomad_data_dir": n.at("nomad"), "media_root": n.at("media"),
			"source_root": n.at("sources"),
		},
		"tls": map[string]any{
			"enabled":          true,
			"consul_ca_file":   n.at("etc", "consul.d", "tls", "ca.pem"),
			"consul_cert_file": n.at("etc", "consul.d", "tls", "server.pem"),
			"consul_key_file":  n.at("etc", "consul.d", "tls", "server-key.pem"),
			"nomad_ca_file":    n.at("etc", "nomad.d", "tls", "ca.pem"),
			"nomad_cert_file":  n.at("etc", "nomad.d", "tls", "agent.pem"),
			"nomad_key_file":   n.at("etc", "nomad.d", "tls", "agent-key.pem"),
		},
	}
	b, _ := json.Marshal(vars)
	if err := os.WriteFile(n.at("node.tfvars.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	n.terraform("init", "-input=false")
	n.terraform("apply", "-auto-approve", "-input=false", "-state="+n.at("tfstate"), "-var-file="+n.at("node.tfvars.json"))
	t.Logf("%s: terraform init + apply took %s", n.name, time.Since(t0).Round(time.Millisecond))
	for name, v := range map[string]any{"files": &n.files, "units": &n.units, "nomad_addr": &n.nomadAddr, "consul_http_addr": &n.consulAddr, "secret_files": &n.secretFiles} {
		if err := json.Unmarshal([]byte(n.terraform("output", "-json", "-state="+n.at("tfstate"), name)), v); err != nil {
			t.Fatalf("output %s: %v", name, err)
		}
	}

	for path, f := range n.files {
		if !strings.HasPrefix(path, n.state+"/") {
			t.Fatalf("rendered path %s is outside %s: refusing to install", path, n.state)
		}
		if _, ok := n.secretFiles[path]; ok {
			t.Errorf("%s is both rendered and one of the operator's secret files", path)
		}
		src := n.at("render") + path
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != f.Content {
			t.Errorf("%s differs from the module's output", src)
		}
		mode, _ := strconv.ParseUint(f.Permissions, 8, 32)
		if fi, err := os.Stat(src); err != nil || fi.Mode().Perm() != fs.FileMode(mode) {
			t.Errorf("%s: mode %v (%v), want %s", src, fi.Mode().Perm(), err, f.Permissions)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, fs.FileMode(mode)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(n.at("render", "user-data.yaml")); err != nil {
		t.Errorf("user-data.yaml not rendered: %v", err)
	}

	var units []string
	for path := range n.files {
		switch {
		case strings.HasSuffix(path, ".sh"):
			if out, err := exec.Command("/bin/bash", "-n", path).CombinedOutput(); err != nil {
				t.Errorf("bash -n %s: %v\n%s", path, err, out)
			}
		case strings.HasSuffix(path, ".service"):
			units = append(units, path)
		}
	}
	// Offline verification: unknown directives, bad values and missing
	// ExecStart binaries all print a complaint.
	if analyze, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Logf("no systemd-analyze to verify the units with: %v", err)
	} else if out, err := exec.Command(analyze, append([]string{"verify", "--man=no"}, units...)...).CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}

	if out, err := exec.Command("/bin/bash", n.at("lib", "setup-dirs.sh")).CombinedOutput(); err != nil {
		t.Fatalf("setup-dirs.sh: %v\n%s", err, out)
	}
	if _, ok := n.files[n.at("lib", "setup-media.sh")]; ok {
		n.checkMedia()
	}
	want := map[string]fs.FileMode{n.at("consul"): 0o750}
	if slices.Contains(n.units, "nomad") {
		want[n.at("nomad")], want[n.at("etc", "nomad.d")] = 0o711, 0o750
	}
	for dir, mode := range want {
		if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %v (%v), want %04o", dir, fi.Mode().Perm(), err, mode)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// placeSecrets does the operator's part: each file of secret_files, from
// the secrets dir (`hostctl cluster init`'s files and the PKI's), at its
// path with its owner and mode.
func (n *tfNode) placeSecrets(dir string) {
	t := n.t
	t.Helper()
	if len(n.secretFiles) == 0 {
		t.Fatal("the module names no secret files")
	}
	for path, f := range n.secretFiles {
		if !strings.HasPrefix(path, n.state+"/") {
			t.Fatalf("secret file %s is outside %s: refusing to install", path, n.state)
		}
		b, err := os.ReadFile(filepath.Join(dir, f.Source))
		if err != nil {
			t.Fatalf("%s: its source: %v", path, err)
		}
		mode, err := strconv.ParseUint(f.Permissions, 8, 32)
		if err != nil {
			t.Fatalf("%s: permissions %q", path, f.Permissions)
		}
		owner, group, _ := strings.Cut(f.Owner, ":")
		u, err := user.Lookup(owner)
		if err != nil {
			t.Fatal(err)
		}
		g, err := user.LookupGroup(group)
		if err != nil {
			t.Fatal(err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(g.Gid)
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, fs.FileMode(mode)); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, fs.FileMode(mode)); err != nil {
			t.Fatal(err)
		}
		if err := os.Lchown(path, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
}

// checkSecretGuard shows that Consul's unit would not start the agent
// without its secrets: the condition is unmet before they are placed, and
// the pre-start check refuses them world-readable or without the gossip
// key.
func (n *tfNode) checkSecretGuard(dir string) {
	t := n.t
	t.Helper()
	u := parseUnit(t, n.at("systemd", "consul.service"))
	if len(u.conditions) != 1 || len(u.pre) != 1 {
		t.Fatalf("consul.service: conditions %v, pre-start %v: want one of each", u.conditions, u.pre)
	}
	secrets := u.conditions[0]
	if _, err := os.Stat(secrets); err == nil {
		t.Fatalf("%s exists before the operator placed it", secrets)
	}
	if out, err := exec.Command(u.pre[0][0], u.pre[0][1:]...).CombinedOutput(); err == nil {
		t.Errorf("pre-start check passed without %s:\n%s", secrets, out)
	}
	frag, err := os.ReadFile(filepath.Join(dir, acls.ConsulSecretsFile))
	if err != nil {
		t.Fatal(err)
	}
	var noKey map[string]any
	if err := json.Unmarshal(frag, &noKey); err != nil {
		t.Fatal(err)
	}
	delete(noKey, "encrypt")
	stripped, _ := json.Marshal(noKey)
	for _, c := range []struct {
		name    string
		content []byte
		mode    fs.FileMode
		ok      bool
	}{
		{"world-readable", frag, 0o644, false},
		{"without the gossip key", stripped, 0o640, false},
		{"as placed", frag, 0o640, true},
	} {
		if err := os.WriteFile(secrets, c.content, c.mode); err != nil {
			t.Fatal(err)
		}
		_ = os.Chmod(secrets, c.mode)
		out, err := exec.Command(u.pre[0][0], u.pre[0][1:]...).CombinedOutput()
		if (err == nil) != c.ok {
			t.Errorf("pre-start check of secrets %s: %v, want ok=%v\n%s", c.name, err, c.ok, out)
		}
	}
	if err := os.Remove(secrets); err != nil {
		t.Fatal(err)
	}
}

// checkMedia runs setup-media.sh twice (it must be safe to repeat) in a
// private mount namespace over a stand-in /etc/fstab, so its loop mount
// and fstab line never reach the machine; the loop device is released
// when the namespace ends.
func (n *tfNode) checkMedia() {
	t := n.t
	t.Helper()
	fstab, root, script := n.at("fstab"), n.at("media"), n.at("lib", "setup-media.sh")
	if err := os.WriteFile(fstab, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	check := fmt.Sprintf(`set -eu
mount --bind %[1]q /etc/fstab
/bin/bash %[2]q
/bin/bash %[2]q
echo "fstype=$(findmnt -n -o FSTYPE %[3]q)"
echo "mode=$(stat -c %%a %[3]q)"
btrfs qgroup show %[3]q >/dev/null && echo quota=on
`, fstab, script, root)
	t0 := time.Now()
	out, err := exec.Command("unshare", "--mount", "--propagation", "private", "/bin/bash", "-c", check).CombinedOutput()
	t.Logf("%s: setup-media.sh twice in %s", n.name, time.Since(t0).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("setup-media.sh: %v\n%s", err, out)
	}
	for _, want := range []string{"fstype=btrfs\n", "mode=711\n", "quota=on\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("media volume: no %q in\n%s", want, out)
		}
	}
	b, _ := os.ReadFile(fstab)
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], n.at("lib", "media.img")+" "+root+" btrfs loop,") {
		t.Errorf("fstab after two runs:\n%s", b)
	}
	if out, _ := exec.Command("losetup", "-j", n.at("lib", "media.img")).CombinedOutput(); len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("loop device left attached after the namespace ended: %s", out)
	}
}

// tfPidName maps a unit to devcluster's component name, whose pid file
// devcluster.Down reads.
var tfPidName = map[string]string{"consul": "consul", "nomad": "nomad", "hostctl-router": "router"}

// start starts the given units in order, each once the previous is ready;
// the node's teardown is registered with its first start.
func (n *tfNode) start(units []string, ready map[string]func() error) {
	n.t.Helper()
	if len(n.procs) == 0 {
		n.t.Cleanup(n.down)
	}
	for _, u := range units {
		t0 := time.Now()
		n.startUnit(u)
		n.waitReady(u, ready[u])
		n.t.Logf("%s: %s ready in %s", n.name, u, time.Since(t0).Round(time.Millisecond))
	}
}

// systemdPath is the PATH systemd gives system services: the units run
// with their own environment only, as under systemd, so nothing of the
// test's (a token, a CONSUL_* setting) reaches an agent or a site.
const systemdPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// startUnit does what systemd would for the unit: checks its conditions,
// copies its credentials into a directory of its own (%d), runs its
// pre-start commands, then its ExecStart with its environment, in its own
// session and with its working directory in the node's state dir, so
// anything it leaves behind is recognisably this node's.
func (n *tfNode) startUnit(unit string) {
	t := n.t
	t.Helper()
	u := parseUnit(t, n.at("systemd", unit+".service"))
	for _, c := range u.conditions {
		if _, err := os.Stat(c); err != nil {
			t.Fatalf("%s: its condition %s is unmet: systemd would not start it", unit, c)
		}
	}
	creds := n.at("creds", unit)
	if err := os.MkdirAll(creds, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, c := range u.creds {
		b, err := os.ReadFile(c[1])
		if err != nil {
			t.Fatalf("%s: LoadCredential %s: %v", unit, c[1], err)
		}
		if err := os.WriteFile(filepath.Join(creds, c[0]), b, 0o400); err != nil {
			t.Fatal(err)
		}
	}
	expand := func(s []string) []string {
		out := make([]string, len(s))
		for i, v := range s {
			out[i] = strings.ReplaceAll(v, "%d", creds)
		}
		return out
	}
	env := append([]string{systemdPath}, expand(u.env)...)
	for _, pre := range u.pre {
		cmd := exec.Command(pre[0], expand(pre[1:])...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: ExecStartPre %v: %v\n%s", unit, pre, err, out)
		}
	}
	argv := expand(u.argv)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Dir = n.state
	logf, err := os.Create(n.at("log", unit+".log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", unit, err)
	}
	p := &unitProc{unit: unit, cmd: cmd, kill: u.kill, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	n.procs = append(n.procs, p)
	// devcluster's pid file: PID and start time (field 22 of
	// /proc/PID/stat), so a reused PID is never signalled.
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if err := os.WriteFile(n.at("run", tfPidName[unit]+".pid"), []byte(fmt.Sprintf("%d %s\n", cmd.Process.Pid, fields[19])), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (n *tfNode) waitReady(unit string, ready func() error) {
	n.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		err := ready()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(n.at("log", unit+".log"))
			n.t.Fatalf("%s: %s not ready after 90 s: %v\n--- %s.log ---\n%s", n.name, unit, err, unit, tailLines(string(log), 30))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// down stops the node's units in reverse order with their KillSignal (the
// jobs were stopped before: devcluster's own drain speaks neither TLS nor
// this cluster's tokens), then lets devcluster.Down sweep task processes
// and unmount Nomad's task tmpfs mounts. A unit still alive 30 s after its
// signal is killed, and fails the test.
func (n *tfNode) down() {
	t := n.t
	if t.Failed() {
		for _, p := range n.procs {
			log, _ := os.ReadFile(n.at("log", p.unit+".log"))
			t.Logf("--- %s %s.log (tail) ---\n%s", n.name, p.unit, tailLines(string(log), 30))
		}
	}
	for i := len(n.procs) - 1; i >= 0; i-- {
		p := n.procs[i]
		_ = p.cmd.Process.Signal(p.kill)
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			t.Errorf("%s: %s (pid %d) still running 30 s after %v; killing it", n.name, p.unit, p.cmd.Process.Pid, p.kill)
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var out bytes.Buffer
	if err := devcluster.Down(ctx, devcluster.Config{StateDir: n.state, Ports: n.ports}, &out, false); err != nil {
		t.Errorf("%s: down: %v\n%s", n.name, err, out.String())
	}
}

// unitFile is what the test acts on of a systemd unit.
type unitFile struct {
	conditions []string    // ConditionPathExists
	pre        [][]string  // ExecStartPre, without systemd's + prefix
	creds      [][2]string // LoadCredential NAME:PATH
	env        []string    // EnvironmentFile's lines, then Environment=, in order
	argv       []string    // ExecStart
	kill       syscall.Signal
}

// parseUnit reads a systemd unit. The module's paths contain no spaces or
// quotes (its validation refuses them), so splitting on white space is all
// of systemd's parsing that applies.
func parseUnit(t *testing.T, path string) unitFile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := unitFile{kill: syscall.SIGTERM}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		switch {
		case !ok || strings.HasPrefix(k, "#"):
		case k == "ConditionPathExists":
			u.conditions = append(u.conditions, v)
		case k == "ExecStartPre":
			u.pre = append(u.pre, strings.Fields(strings.TrimPrefix(v, "+")))
		case k == "ExecStart":
			u.argv = strings.Fields(v)
		case k == "LoadCredential":
			name, src, _ := strings.Cut(v, ":")
			u.creds = append(u.creds, [2]string{name, src})
		case k == "Environment":
			u.env = append(u.env, v)
		case k == "KillSignal":
			u.kill = map[string]syscall.Signal{"SIGINT": syscall.SIGINT, "SIGTERM": syscall.SIGTERM}[v]
		case k == "EnvironmentFile":
			b, err := os.ReadFile(v)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(string(b), "\n") {
				if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
					u.env = append(u.env, line)
				}
			}
		}
	}
	if len(u.argv) == 0 || u.kill == 0 {
		t.Fatalf("%s has no ExecStart or an unknown KillSignal", path)
	}
	return u
}

// terraformBin is the terraform scripts/bootstrap builds. Under CI a
// missing one fails the test: bootstrap should have built it.
func terraformBin(t *testing.T) string {
	t.Helper()
	return testkit.Tool(t, "terraform")
}
