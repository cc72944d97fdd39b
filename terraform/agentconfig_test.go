package terraform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/hostctl/hostctl/agentconfig"
)

// agentCase is one node module call: its arguments besides roles, which
// nodeFor reads into an agentconfig.Node the same way the module does.
type agentCase struct {
	roles []string
	args  map[string]any
}

// agentCases cover every branch of the module's agent configs: each role
// combination with TLS and gossip encryption on (the defaults) and off, and
// nodes with every other argument set away from its default. Arguments
// left out exercise the module's defaults, which must equal
// agentconfig.Production's.
func agentCases() map[string]agentCase {
	cases := map[string]agentCase{
		// The module's defaults but for the one argument a lone server
		// needs.
		"defaults": {roles: []string{"server"}, args: map[string]any{"bootstrap_expect": 1}},
	}
	roleSets := map[string][]string{
		"server": {"server"}, "client": {"client"}, "router": {"router"},
		"server-client": {"server", "client"}, "client-router": {"client", "router"},
		"all": {"server", "client", "router"},
	}
	for rn, roles := range roleSets {
		for _, tls := range []bool{true, false} {
			for _, gossip := range []bool{true, false} {
				args := map[string]any{"retry_join": []string{"10.0.1.10", "10.0.1.11"}}
				if !tls {
					args["tls"] = map[string]any{"enabled": false}
				}
				if !gossip {
					args["gossip_encryption"] = false
				}
				cases[fmt.Sprintf("%s-tls_%v-gossip_%v", rn, tls, gossip)] = agentCase{roles, args}
			}
		}
		cases[rn+"-custom"] = agentCase{roles, map[string]any{
			"name": "node-7", "datacenter": "eu1", "region": "europe", "bootstrap_expect": 5,
			"retry_join":        []string{"provider=aws tag_key=hostctl-role tag_value=server"},
			"nomad_server_join": []string{"10.0.2.1:14648", "10.0.2.2:14648"},
			"bind_addr":         "10.0.2.7", "http_bind_addr": "10.0.2.8", "network_interface": "ens5", "node_class": "big", "sites_cidr": "10.0.2.0/24",
			"log_level": "DEBUG", "http_max_conns_per_client": 9000,
			"ports": map[string]any{
				"consul_http": 18500, "consul_https": 18501, "consul_server": 18300, "consul_serf_lan": 18301,
				"nomad_http": 14646, "nomad_rpc": 14647, "nomad_serf": 14648,
			},
			"paths": map[string]any{
				"bin_dir": "/opt/bin", "consul_data_dir": "/data/consul", "nomad_data_dir": "/data/nomad", "media_root": "/data/media",
			},
			"tls": map[string]any{
				"consul_ca_file": "/pki/consul-ca.pem", "consul_cert_file": "/pki/consul.pem", "consul_key_file": "/pki/consul-key.pem",
				"nomad_ca_file": "/pki/nomad-ca.pem", "nomad_cert_file": "/pki/nomad.pem", "nomad_key_file": "/pki/nomad-key.pem",
			},
			"artifact_limits": map[string]any{
				"http_max_size": "1GB", "decompression_size_limit": "4GB", "decompression_file_count_limit": 1000,
				"http_read_timeout": "1m", "git_timeout": "2m",
			},
		}}
		// Loopback APIs: the local host the Nomad agent reaches Consul on.
		cases[rn+"-loopback"] = agentCase{roles, map[string]any{
			"retry_join": []string{"127.0.0.1"}, "http_bind_addr": "127.0.0.1", "network_interface": "lo",
		}}
	}
	return cases
}

// nodeFor reads a case's arguments as the module does. An argument it does
// not know fails the test: a new case must say what it means here.
func nodeFor(t *testing.T, c agentCase) agentconfig.Node {
	t.Helper()
	n := agentconfig.Production(contains(c.roles, "server"), contains(c.roles, "client"))
	str := func(v any) string { return v.(string) }
	num := func(v any) int { return v.(int) }
	for k, v := range c.args {
		switch k {
		case "name":
			n.Name = str(v)
		case "datacenter":
			n.Datacenter = str(v)
		case "region":
			n.Region = str(v)
		case "bootstrap_expect":
			n.BootstrapExpect = num(v)
		case "retry_join":
			n.RetryJoin = v.([]string)
		case "nomad_server_join":
			n.NomadServerJoin = v.([]string)
		case "bind_addr":
			n.BindAddr = str(v)
		case "http_bind_addr":
			n.HTTPBindAddr = str(v)
		case "network_interface":
			n.NetworkInterface = str(v)
		case "node_class":
			n.NodeClass = str(v)
		case "sites_cidr":
			n.SitesCIDR = str(v)
		case "log_level":
			n.LogLevel = str(v)
		case "http_max_conns_per_client":
			n.HTTPMaxConnsPerClient = num(v)
		case "gossip_encryption":
			n.GossipEncryption = v.(bool)
		case "ports":
			fields := map[string]*int{
				"consul_http": &n.Ports.ConsulHTTP, "consul_https": &n.Ports.ConsulHTTPS,
				"consul_server": &n.Ports.ConsulServer, "consul_serf_lan": &n.Ports.ConsulSerfLAN,
				"nomad_http": &n.Ports.NomadHTTP, "nomad_rpc": &n.Ports.NomadRPC, "nomad_serf": &n.Ports.NomadSerf,
			}
			for pk, pv := range v.(map[string]any) {
				mustField(t, k, pk, fields)
				*fields[pk] = num(pv)
			}
		case "paths":
			for pk, pv := range v.(map[string]any) {
				switch pk {
				case "bin_dir":
					n.Launcher = str(pv) + "/hostctl"
				case "consul_data_dir":
					n.ConsulDataDir = str(pv)
				case "nomad_data_dir":
					n.NomadDataDir = str(pv)
				case "media_root":
					n.MediaRoot = str(pv)
				default:
					t.Fatalf("nodeFor does not know paths.%s", pk)
				}
			}
		case "tls":
			tls := *n.TLS
			fields := map[string]*string{
				"consul_ca_file": &tls.ConsulCAFile, "consul_cert_file": &tls.ConsulCertFile, "consul_key_file": &tls.ConsulKeyFile,
				"nomad_ca_file": &tls.NomadCAFile, "nomad_cert_file": &tls.NomadCertFile, "nomad_key_file": &tls.NomadKeyFile,
			}
			n.TLS = &tls
			for tk, tv := range v.(map[string]any) {
				if tk == "enabled" {
					if !tv.(bool) {
						n.TLS = nil
					}
					continue
				}
				mustField(t, k, tk, fields)
				*fields[tk] = str(tv)
			}
		case "artifact_limits":
			a := &n.Artifact
			fields := map[string]*string{
				"http_max_size": &a.HTTPMaxSize, "decompression_size_limit": &a.DecompressionSizeLimit,
				"http_read_timeout": &a.HTTPReadTimeout, "git_timeout": &a.GitTimeout,
			}
			for ak, av := range v.(map[string]any) {
				if ak == "decompression_file_count_limit" {
					a.DecompressionFileCountLimit = num(av)
					continue
				}
				mustField(t, k, ak, fields)
				*fields[ak] = str(av)
			}
		default:
			t.Fatalf("nodeFor does not know the module argument %s", k)
		}
	}
	return n
}

func mustField[T any](t *testing.T, arg, key string, fields map[string]T) {
	t.Helper()
	if _, ok := fields[key]; !ok {
		t.Fatalf("nodeFor does not know %s.%s", arg, key)
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestAgentConfigsMatchGo holds the node module to package agentconfig,
// which the dev cluster renders its agents from: for every case, the
// module's consul_config and nomad_config outputs must equal
// agentconfig.Consul and agentconfig.Nomad for the same inputs, field by
// field. A shared setting (ACLs, gossip, drivers, denylists, artifact
// limits, the Consul integration, closed ports, TLS) changed on one side
// only, or a module default that stopped matching Production, fails here.
func TestAgentConfigsMatchGo(t *testing.T) {
	if testing.Short() {
		t.Skip("renders the node module with terraform (init + plan, a few seconds); -short skips it")
	}
	cases := agentCases()
	rendered := renderAgentConfigs(t, cases)
	names := make([]string, 0, len(cases))
	for name := range cases {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			n := nodeFor(t, cases[name])
			got, ok := rendered[name]
			if !ok {
				t.Fatalf("terraform rendered no configs for case %s", name)
			}
			var diffs []string
			diffs = append(diffs, compareConfig("consul", got.Consul, normalize(t, agentconfig.Consul(n)))...)
			diffs = append(diffs, compareConfig("nomad", got.Nomad, normalize(t, agentconfig.Nomad(n)))...)
			if len(diffs) > 0 {
				t.Errorf("terraform/modules/node (roles %v, arguments %s) and package agentconfig disagree; "+
					"change both, or make the difference an input of both:\n  %s",
					cases[name].roles, mustJSON(cases[name].args), strings.Join(diffs, "\n  "))
			}
		})
	}
}

type agentConfigs struct {
	Consul any `json:"consul"`
	Nomad  any `json:"nomad"`
}

// renderAgentConfigs calls the node module once per case from a
// configuration written to a temp dir, plans it (nothing is applied, no
// state is written) and reads the configs from the plan's outputs.
func renderAgentConfigs(t *testing.T, cases map[string]agentCase) map[string]agentConfigs {
	t.Helper()
	dir := t.TempDir()
	module, err := filepath.Abs(filepath.Join("modules", "node"))
	if err != nil {
		t.Fatal(err)
	}
	// A local module source must be relative.
	rel, err := filepath.Rel(dir, module)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var outs []string
	i := 0
	names := make([]string, 0, len(cases))
	for name := range cases {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		c := cases[name]
		i++
		mod := fmt.Sprintf("case%d", i)
		fmt.Fprintf(&b, "module %q {\n  source = %q\n  roles  = %s\n", mod, rel, hclValue(c.roles))
		args := make([]string, 0, len(c.args))
		for k := range c.args {
			args = append(args, k)
		}
		sort.Strings(args)
		for _, k := range args {
			fmt.Fprintf(&b, "  %s = %s\n", k, hclValue(c.args[k]))
		}
		b.WriteString("}\n\n")
		outs = append(outs, fmt.Sprintf("    %q = { consul = module.%s.consul_config, nomad = module.%s.nomad_config }\n", name, mod, mod))
	}
	b.WriteString("output \"rendered\" {\n  value = {\n" + strings.Join(outs, "") + "  }\n}\n")
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	e := env(t)
	run(t, e, dir, "init", "-backend=false", "-input=false", "-no-color")
	run(t, e, dir, "plan", "-input=false", "-lock=false", "-refresh=false", "-no-color", "-out="+filepath.Join(dir, "plan"))
	out := run(t, e, dir, "show", "-json", filepath.Join(dir, "plan"))
	var plan struct {
		PlannedValues struct {
			Outputs map[string]struct {
				Value json.RawMessage `json:"value"`
			} `json:"outputs"`
		} `json:"planned_values"`
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatalf("terraform show -json: %v\n%s", err, out)
	}
	raw, ok := plan.PlannedValues.Outputs["rendered"]
	if !ok {
		t.Fatalf("the plan has no rendered output:\n%s", out)
	}
	var rendered map[string]agentConfigs
	dec := json.NewDecoder(bytes.NewReader(raw.Value))
	dec.UseNumber()
	if err := dec.Decode(&rendered); err != nil {
		t.Fatalf("rendered output: %v\n%s", err, raw.Value)
	}
	return rendered
}

// hclValue writes v as an HCL expression: JSON is one, once template
// sequences are escaped.
func hclValue(v any) string {
	s := mustJSON(v)
	return strings.NewReplacer("${", "$${", "%{", "%%{").Replace(s)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// normalize makes a Go config look as it does decoded from the JSON the
// agent reads, as the Terraform side is.
func normalize(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// compareConfig lists every field where the module's config (tf) and
// agentconfig's (gov) differ, by path: present in one only, or different.
func compareConfig(path string, tf, gov any) []string {
	tm, tok := tf.(map[string]any)
	gm, gok := gov.(map[string]any)
	if tok && gok {
		keys := map[string]bool{}
		for k := range tm {
			keys[k] = true
		}
		for k := range gm {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		var diffs []string
		for _, k := range sorted {
			p := path + "." + k
			if strings.ContainsAny(k, ".-") {
				p = fmt.Sprintf("%s[%q]", path, k)
			}
			tv, inTF := tm[k]
			gv, inGo := gm[k]
			switch {
			case !inGo:
				diffs = append(diffs, fmt.Sprintf("%s: only the Terraform module sets it (= %s)", p, mustJSON(tv)))
			case !inTF:
				diffs = append(diffs, fmt.Sprintf("%s: only agentconfig sets it (= %s)", p, mustJSON(gv)))
			default:
				diffs = append(diffs, compareConfig(p, tv, gv)...)
			}
		}
		return diffs
	}
	if reflect.DeepEqual(tf, gov) {
		return nil
	}
	// Comma-separated lists (the denylists): name the entries.
	ts, tok := tf.(string)
	gs, gok := gov.(string)
	if tok && gok && (strings.Contains(ts, ",") || strings.Contains(gs, ",")) {
		onlyTF, onlyGo := setDiff(strings.Split(ts, ","), strings.Split(gs, ","))
		if len(onlyTF) == 0 && len(onlyGo) == 0 {
			return []string{fmt.Sprintf("%s: same entries in another order: the Terraform module renders %q, agentconfig %q", path, ts, gs)}
		}
		return []string{fmt.Sprintf("%s: only in the Terraform module's list: %v; only in agentconfig's: %v", path, onlyTF, onlyGo)}
	}
	return []string{fmt.Sprintf("%s: the Terraform module renders %s, agentconfig %s", path, mustJSON(tf), mustJSON(gov))}
}

func setDiff(a, b []string) (onlyA, onlyB []string) {
	inA, inB := map[string]bool{}, map[string]bool{}
	for _, x := range a {
		inA[x] = true
	}
	for _, x := range b {
		inB[x] = true
		if !inA[x] {
			onlyB = append(onlyB, x)
		}
	}
	for _, x := range a {
		if !inB[x] {
			onlyA = append(onlyA, x)
		}
	}
	return onlyA, onlyB
}

// TestCompareConfigNamesEveryField checks the comparison itself, without
// terraform: a field on one side only, in either direction, and a changed
// value are each reported by path.
func TestCompareConfigNamesEveryField(t *testing.T) {
	tf := map[string]any{"acl": map[string]any{"enabled": true, "default_policy": "deny"}, "client": map[string]any{
		"options": map[string]any{"env.denylist": "A,B"}}}
	gov := map[string]any{"acl": map[string]any{"enabled": false, "down_policy": "extend-cache"}, "client": map[string]any{
		"options": map[string]any{"env.denylist": "A,C"}}}
	got := strings.Join(compareConfig("nomad", tf, gov), "\n")
	for _, want := range []string{
		"nomad.acl.default_policy: only the Terraform module sets it",
		"nomad.acl.down_policy: only agentconfig sets it",
		"nomad.acl.enabled: the Terraform module renders true, agentconfig false",
		`nomad.client.options["env.denylist"]: only in the Terraform module's list: [B]; only in agentconfig's: [C]`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diff lacks %q:\n%s", want, got)
		}
	}
	if d := compareConfig("x", tf, tf); d != nil {
		t.Errorf("equal configs differ: %v", d)
	}
}
