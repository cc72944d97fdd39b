package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	consul "github.com/hashicorp/consul/api"
	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/devcluster"
)

// TestTerraformNodes proves that what terraform/modules/node renders makes
// working nodes: the local example renders a server+router node and a
// separate client node, with loopback addresses, ports and directories
// passed as variables; the files are installed where each node would have
// them; the agents and the router are started with the command lines and
// environment of the rendered systemd units; the client's agents find the
// servers by themselves (Consul through retry_join, Nomad through Consul);
// and a site deployed with `hostctl site apply` runs on the client and is
// served through the router.
func TestTerraformNodes(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("the nodes run Nomad's raw_exec tasks as other users and need root")
	}
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
	hostctl := filepath.Join(binPath, "hostctl")
	if out, err := staticBuild(hostctl).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
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

	server := newTFNode(t, tf, example, top, "tf-server", binPath)
	server.render([]string{"server", "router"}, nil)
	if want := []string{"consul", "nomad", "hostctl-router"}; !slices.Equal(server.units, want) {
		t.Fatalf("server units = %v, want %v", server.units, want)
	}
	nc, err := nomad.NewClient(&nomad.Config{Address: server.nomadAddr})
	if err != nil {
		t.Fatal(err)
	}
	cc, err := consul.NewClient(&consul.Config{Address: server.consulAddr})
	if err != nil {
		t.Fatal(err)
	}
	routerAdmin := "http://127.0.0.1:" + strconv.Itoa(server.ports.RouterAdmin)
	server.start(map[string]func() error{
		"consul": func() error {
			leader, err := cc.Status().Leader()
			if err == nil && leader == "" {
				err = errors.New("no leader yet")
			}
			return err
		},
		"nomad": func() error {
			leader, err := nc.Status().Leader()
			if err == nil && leader == "" {
				err = errors.New("no leader yet")
			}
			return err
		},
		"hostctl-router": func() error {
			resp, err := http.Get(routerAdmin + "/healthz")
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return errors.New(resp.Status)
			}
			return nil
		},
	})

	// The client's ports are picked once the server's are taken, so the two
	// ranges cannot overlap.
	client := newTFNode(t, tf, example, top, "tf-client", binPath)
	client.render([]string{"client"}, []string{"127.0.0.1:" + strconv.Itoa(server.ports.ConsulSerfLAN)})
	if want := []string{"consul", "nomad"}; !slices.Equal(client.units, want) {
		t.Fatalf("client units = %v, want %v", client.units, want)
	}
	client.start(map[string]func() error{
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
	// silently ignore (a typo, a block in the wrong place) fails here.
	t.Run("agents run with the rendered settings", func(t *testing.T) {
		cnc, err := nomad.NewClient(&nomad.Config{Address: client.nomadAddr})
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
		if iface, _ := cfg["NetworkInterface"].(string); iface != "lo" {
			t.Errorf("nomad network_interface %q, want lo", iface)
		}
		limits, _ := self.Config["Limits"].(map[string]any)
		if got, _ := limits["HTTPMaxConnsPerClient"].(float64); got != 4096 {
			t.Errorf("nomad http_max_conns_per_client %v, want 4096", limits["HTTPMaxConnsPerClient"])
		}
		cself, err := cc.Agent().Self()
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := cself["DebugConfig"]["HTTPMaxConnsPerClient"].(float64); got != 4096 {
			t.Errorf("consul http_max_conns_per_client %v, want 4096", cself["DebugConfig"]["HTTPMaxConnsPerClient"])
		}
		if got, _ := cself["DebugConfig"]["DNSPort"].(float64); got != -1 {
			t.Errorf("consul DNS port %v, want -1 (off)", cself["DebugConfig"]["DNSPort"])
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
	c := &cluster{t: t, bin: hostctl, stateDir: top, router: routerURL,
		env: append(os.Environ(), "NOMAD_ADDR="+server.nomadAddr, "CONSUL_HTTP_ADDR="+server.consulAddr, "HOSTCTL_ROUTER_URL="+routerURL,
			"HOSTCTL_SOURCE_ROOT="+filepath.Join(top, "sources"))}
	app := c.stage("hello", "../examples/hello")
	t0 := time.Now()
	out := c.mustRun("site", "apply", filepath.Join(app, "site.hcl"))
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

// tfNode is one node rendered by the local example under its own state dir,
// laid out like a dev cluster's (nomad/ for Nomad's data, run/NAME.pid,
// devcluster.PortsFrom) so devcluster.Down can stop it and clear up after
// it.
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
	procs []*exec.Cmd
	names []string
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

// render applies the local example for this node, checks the tree it
// wrote, installs the files where the node has them (what an operator does
// by copying the tree onto the node's /), and runs setup-dirs.sh, the part
// of first boot that applies here: the package, media-volume and systemd
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
			"consul_http": p.ConsulHTTP, "consul_server": p.ConsulServer, "consul_serf_lan": p.ConsulSerfLAN,
			"nomad_http": p.NomadHTTP, "nomad_rpc": p.NomadRPC, "nomad_serf": p.NomadSerf,
			"router": p.Router, "router_admin": p.RouterAdmin,
		},
		"paths": map[string]string{
			"bin_dir": n.binPath, "lib_dir": n.at("lib"), "systemd_dir": n.at("systemd"),
			"consul_config_dir": n.at("etc", "consul.d"), "nomad_config_dir": n.at("etc", "nomad.d"),
			"hostctl_config_dir": n.at("etc", "hostctl"),
			"consul_data_dir":    n.at("consul"), "nomad_data_dir": n.at("nomad"), "media_root": n.at("media"),
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
	for name, v := range map[string]any{"files": &n.files, "units": &n.units, "nomad_addr": &n.nomadAddr, "consul_http_addr": &n.consulAddr} {
		if err := json.Unmarshal([]byte(n.terraform("output", "-json", "-state="+n.at("tfstate"), name)), v); err != nil {
			t.Fatalf("output %s: %v", name, err)
		}
	}

	for path, f := range n.files {
		if !strings.HasPrefix(path, n.state+"/") {
			t.Fatalf("rendered path %s is outside %s: refusing to install", path, n.state)
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

// start starts the node's units in order, each once the previous is ready,
// and registers the node's teardown.
func (n *tfNode) start(ready map[string]func() error) {
	n.t.Helper()
	n.t.Cleanup(n.down)
	for _, u := range n.units {
		t0 := time.Now()
		n.startUnit(u)
		n.waitReady(u, ready[u])
		n.t.Logf("%s: %s ready in %s", n.name, u, time.Since(t0).Round(time.Millisecond))
	}
}

// startUnit runs a unit's ExecStart with its EnvironmentFile the way
// systemd would, in its own session and with its working directory in the
// node's state dir, so anything it leaves behind is recognisably this
// node's.
func (n *tfNode) startUnit(unit string) {
	n.t.Helper()
	argv, env := parseUnitFile(n.t, n.at("systemd", unit+".service"))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = n.state
	logf, err := os.Create(n.at("log", unit+".log"))
	if err != nil {
		n.t.Fatal(err)
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		n.t.Fatalf("start %s: %v", unit, err)
	}
	n.procs, n.names = append(n.procs, cmd), append(n.names, unit)
	// devcluster's pid file: PID and start time (field 22 of
	// /proc/PID/stat), so a reused PID is never signalled.
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/stat")
	if err != nil {
		n.t.Fatal(err)
	}
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if err := os.WriteFile(n.at("run", tfPidName[unit]+".pid"), []byte(fmt.Sprintf("%d %s\n", cmd.Process.Pid, fields[19])), 0o600); err != nil {
		n.t.Fatal(err)
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

// down stops every job, then the node's router, Nomad and Consul (by the
// PIDs recorded at start), sweeps task processes and unmounts Nomad's task
// tmpfs mounts, all through devcluster.Down. A process of ours still alive
// after that is killed by its PID, and fails the test.
func (n *tfNode) down() {
	t := n.t
	if t.Failed() {
		for _, u := range n.names {
			log, _ := os.ReadFile(n.at("log", u+".log"))
			t.Logf("--- %s %s.log (tail) ---\n%s", n.name, u, tailLines(string(log), 30))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var out bytes.Buffer
	if err := devcluster.Down(ctx, devcluster.Config{StateDir: n.state, Ports: n.ports}, &out, false); err != nil {
		t.Errorf("%s: down: %v\n%s", n.name, err, out.String())
	}
	for i, cmd := range n.procs {
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Errorf("%s: %s (pid %d) still running after down; killing it", n.name, n.names[i], cmd.Process.Pid)
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
}

// parseUnitFile reads ExecStart and EnvironmentFile from a systemd unit.
// The module's paths contain no spaces or quotes (its validation refuses
// them), so splitting on white space is all of systemd's parsing that
// applies.
func parseUnitFile(t *testing.T, path string) (argv, env []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		switch {
		case !ok:
		case k == "ExecStart":
			argv = strings.Fields(v)
		case k == "EnvironmentFile":
			b, err := os.ReadFile(v)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(string(b), "\n") {
				if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
					env = append(env, line)
				}
			}
		}
	}
	if len(argv) == 0 {
		t.Fatalf("%s has no ExecStart", path)
	}
	return argv, env
}

// terraformBin is the terraform scripts/bootstrap builds. Under CI a
// missing one fails the test: bootstrap should have built it.
func terraformBin(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(binDir(t), "terraform")
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("terraform not found at %s: scripts/bootstrap should have built it (%v)", bin, err)
		}
		t.Skipf("terraform not found at %s: run scripts/bootstrap (%v)", bin, err)
	}
	return bin
}
