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
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	consul "github.com/hashicorp/consul/api"
	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/devcluster"
)

// TestTerraformNode proves that what terraform/modules/node renders makes a
// working node: the local example renders a server+client+router node with
// loopback addresses, ports and directories passed as variables, the files
// are installed where the node would have them, the agents and the router
// are started with the command lines and environment of the rendered
// systemd units, the Nomad client joins, and a site deployed with `hostctl
// site apply` is served through the router.
func TestTerraformNode(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("the node runs Nomad's raw_exec tasks as other users and needs root")
	}
	tf := terraformBin(t)
	bins := binDir(t)

	// Not t.TempDir(): its 0700 parents would lock the site user out of its
	// task directories, which setup-dirs.sh checks for.
	state, err := os.MkdirTemp("/tmp", "hostctl-tf-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(state, 0o711); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			_ = os.RemoveAll(state)
		} else {
			t.Logf("kept %s for inspection", state)
		}
	})
	at := func(parts ...string) string { return filepath.Join(append([]string{state}, parts...)...) }
	for _, d := range []string{"bin", "log", "run"} {
		if err := os.Mkdir(at(d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	hostctl := at("bin", "hostctl")
	if out, err := exec.Command("go", "build", "-o", hostctl, "../cmd/hostctl").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, b := range []string{"nomad", "consul"} {
		if err := os.Symlink(filepath.Join(bins, b), at("bin", b)); err != nil {
			t.Fatal(err)
		}
	}

	// The same layout as a dev cluster's state dir (devcluster.PortsFrom,
	// nomad/ for Nomad's data, run/NAME.pid), so devcluster.Down can clear
	// up after this node too.
	base := freePortBase(t)
	ports := devcluster.PortsFrom(base)
	vars := map[string]any{
		"output_dir":       at("render"),
		"name":             "tf-node",
		"roles":            []string{"server", "client", "router"},
		"bootstrap_expect": 1,
		"retry_join":       []string{"127.0.0.1:" + strconv.Itoa(ports.ConsulSerfLAN)},
		"consul_user":      "root",
		"ports": map[string]int{
			"consul_http": ports.ConsulHTTP, "consul_server": ports.ConsulServer, "consul_serf_lan": ports.ConsulSerfLAN,
			"nomad_http": ports.NomadHTTP, "nomad_rpc": ports.NomadRPC, "nomad_serf": ports.NomadSerf,
			"router": ports.Router, "router_admin": ports.RouterAdmin,
		},
		"paths": map[string]string{
			"bin_dir": at("bin"), "lib_dir": at("lib"), "systemd_dir": at("systemd"),
			"consul_config_dir": at("etc", "consul.d"), "nomad_config_dir": at("etc", "nomad.d"),
			"hostctl_config_dir": at("etc", "hostctl"),
			"consul_data_dir":    at("consul"), "nomad_data_dir": at("nomad"), "media_root": at("media"),
		},
	}
	varFile := at("node.tfvars.json")
	b, _ := json.Marshal(vars)
	if err := os.WriteFile(varFile, b, 0o600); err != nil {
		t.Fatal(err)
	}

	example, err := filepath.Abs("../terraform/examples/local")
	if err != nil {
		t.Fatal(err)
	}
	terraform := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(tf, append([]string{"-chdir=" + example}, args...)...)
		// State and the .terraform dir stay in the temp dir, not the repo.
		cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_INPUT=0",
			"TF_CLI_CONFIG_FILE=/dev/null", "TF_DATA_DIR="+at("tfdata"))
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("terraform %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
		}
		return out.String()
	}
	t0 := time.Now()
	terraform("init", "-input=false")
	terraform("apply", "-auto-approve", "-input=false", "-state="+at("tfstate"), "-var-file="+varFile)
	t.Logf("terraform init + apply took %s", time.Since(t0).Round(time.Millisecond))
	var files map[string]struct {
		Content     string `json:"content"`
		Permissions string `json:"permissions"`
	}
	var units []string
	var nomadAddr, consulAddr string
	for name, v := range map[string]any{"files": &files, "units": &units, "nomad_addr": &nomadAddr, "consul_http_addr": &consulAddr} {
		if err := json.Unmarshal([]byte(terraform("output", "-json", "-state="+at("tfstate"), name)), v); err != nil {
			t.Fatalf("output %s: %v", name, err)
		}
	}
	if want := []string{"consul", "nomad", "hostctl-router"}; strings.Join(units, " ") != strings.Join(want, " ") {
		t.Fatalf("units = %v, want %v", units, want)
	}

	// Installing is what an operator does with the rendered tree (copy it
	// onto the node's /); every path must be inside this test's dir.
	t.Run("rendered tree holds every file", func(t *testing.T) {
		for path, f := range files {
			if !strings.HasPrefix(path, state+"/") {
				t.Fatalf("rendered path %s is outside %s: refusing to install", path, state)
			}
			src := at("render") + path
			b, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != f.Content {
				t.Errorf("%s differs from the module's output", src)
			}
			fi, _ := os.Stat(src)
			mode, _ := strconv.ParseUint(f.Permissions, 8, 32)
			if fi.Mode().Perm() != fs.FileMode(mode) {
				t.Errorf("%s is mode %04o, want %s", src, fi.Mode().Perm(), f.Permissions)
			}
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b, fs.FileMode(mode)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := os.Stat(at("render", "user-data.yaml")); err != nil {
			t.Errorf("user-data.yaml not rendered: %v", err)
		}
	})
	if t.Failed() {
		t.FailNow()
	}

	t.Run("units and scripts parse", func(t *testing.T) {
		for path := range files {
			if strings.HasSuffix(path, ".sh") {
				if out, err := exec.Command("/bin/bash", "-n", path).CombinedOutput(); err != nil {
					t.Errorf("bash -n %s: %v\n%s", path, err, out)
				}
			}
		}
		analyze, err := exec.LookPath("systemd-analyze")
		if err != nil {
			t.Skipf("no systemd-analyze to verify the units with: %v", err)
		}
		var units []string
		for path := range files {
			if strings.HasSuffix(path, ".service") {
				units = append(units, path)
			}
		}
		// Offline verification: unknown directives, bad values, and
		// ExecStart binaries that do not exist all make it fail.
		out, err := exec.Command(analyze, append([]string{"verify", "--man=no"}, units...)...).CombinedOutput()
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("systemd-analyze verify: %v\n%s", err, out)
		}
	})

	// setup-dirs.sh is the part of first boot that applies here: the
	// packages, media volume and systemd steps change the whole machine.
	if out, err := exec.Command("/bin/bash", at("lib", "setup-dirs.sh")).CombinedOutput(); err != nil {
		t.Fatalf("setup-dirs.sh: %v\n%s", err, out)
	}
	for dir, want := range map[string]fs.FileMode{at("nomad"): 0o711, at("consul"): 0o750, at("etc", "nomad.d"): 0o750} {
		if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v (%v), want %04o", dir, fi.Mode().Perm(), err, want)
		}
	}

	n := &node{t: t, state: state}
	t.Cleanup(func() { n.down(ports) })
	nc, err := nomad.NewClient(&nomad.Config{Address: nomadAddr})
	if err != nil {
		t.Fatal(err)
	}
	cc, err := consul.NewClient(&consul.Config{Address: consulAddr})
	if err != nil {
		t.Fatal(err)
	}
	routerAdmin := "http://127.0.0.1:" + strconv.Itoa(ports.RouterAdmin)
	ready := map[string]func() error{
		"consul": func() error {
			leader, err := cc.Status().Leader()
			if err == nil && leader == "" {
				err = errors.New("no leader yet")
			}
			return err
		},
		"nomad": func() error {
			nodes, _, err := nc.Nodes().List(nil)
			if err != nil {
				return err
			}
			for _, nd := range nodes {
				if d, ok := nd.Drivers["raw_exec"]; nd.Name == "tf-node" && nd.Status == "ready" && ok && d.Healthy {
					return nil
				}
			}
			return errors.New("the client has not joined with a healthy raw_exec driver yet")
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
	}
	for _, u := range units {
		t0 := time.Now()
		n.start(u, at("systemd", u+".service"))
		n.waitReady(u, ready[u])
		t.Logf("%s ready in %s", u, time.Since(t0).Round(time.Millisecond))
	}

	t.Run("the client joined as rendered", func(t *testing.T) {
		nodes, _, err := nc.Nodes().List(nil)
		if err != nil || len(nodes) != 1 {
			t.Fatalf("nodes: %v %v", nodes, err)
		}
		nd, _, err := nc.Nodes().Info(nodes[0].ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if nd.NodeClass != "sites" || nd.Meta["hostctl_launcher"] != hostctl || nd.Meta["hostctl_media_root"] != at("media") {
			t.Errorf("node class %q meta %v", nd.NodeClass, nd.Meta)
		}
		for _, d := range []string{"exec", "java", "docker", "qemu"} {
			if _, ok := nd.Drivers[d]; ok {
				t.Errorf("driver %s loaded; only raw_exec is allowed", d)
			}
		}
		members, err := cc.Agent().Members(false)
		if err != nil || len(members) != 1 || members[0].Name != "tf-node" {
			t.Errorf("consul members: %v %v", members, err)
		}
	})

	// What the agents report as their running configuration, so a key the
	// agents silently ignore (a typo, a block in the wrong place) fails here.
	t.Run("agents run with the rendered settings", func(t *testing.T) {
		self, err := nc.Agent().Self()
		if err != nil {
			t.Fatal(err)
		}
		client, _ := self.Config["Client"].(map[string]any)
		options, _ := client["Options"].(map[string]any)
		if deny, _ := options["fingerprint.denylist"].(string); !strings.Contains(deny, "env_aws") {
			t.Errorf("nomad client options %v lack the cloud fingerprinter denylist", options)
		}
		if iface, _ := client["NetworkInterface"].(string); iface != "lo" {
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

	routerURL := "http://127.0.0.1:" + strconv.Itoa(ports.Router)
	c := &cluster{t: t, bin: hostctl, stateDir: state, router: routerURL,
		env: append(os.Environ(), "NOMAD_ADDR="+nomadAddr, "CONSUL_HTTP_ADDR="+consulAddr, "HOSTCTL_ROUTER_URL="+routerURL)}
	app := c.stage("../examples/hello")
	t0 = time.Now()
	out := c.mustRun("site", "apply", filepath.Join(app, "site.hcl"))
	t.Logf("site apply took %s:\n%s", time.Since(t0).Round(time.Millisecond), out)
	if !strings.Contains(out, "hello is live") {
		t.Errorf("apply did not report the site live:\n%s", out)
	}
	if code, body := c.get("hello.localhost", "/"); code != 200 || !strings.Contains(body, "site=hello") {
		t.Errorf("GET hello.localhost through the router: %d %q", code, body)
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

	terraform("destroy", "-auto-approve", "-input=false", "-state="+at("tfstate"), "-var-file="+varFile)
	if left, _ := filepath.Glob(at("render") + at("etc", "*", "*")); len(left) != 0 {
		t.Errorf("terraform destroy left rendered files: %v", left)
	}
}

// node is the processes this test started from the rendered units.
type node struct {
	t     *testing.T
	state string
	procs []*exec.Cmd
	names []string
}

// pidName maps a unit to devcluster's component name, whose pid file
// devcluster.Down reads.
var pidName = map[string]string{"consul": "consul", "nomad": "nomad", "hostctl-router": "router"}

// start runs a unit's ExecStart with its EnvironmentFile the way systemd
// would, in its own session and with its working directory in the state
// dir, so anything it leaves behind is recognisably this node's.
func (n *node) start(unit, path string) {
	n.t.Helper()
	argv, env := parseUnit(n.t, path)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = n.state
	logf, err := os.Create(filepath.Join(n.state, "log", unit+".log"))
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
	// devcluster's pid file format: PID and start time (field 22 of
	// /proc/PID/stat), so a reused PID is never signalled.
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/stat")
	if err != nil {
		n.t.Fatal(err)
	}
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	pf := filepath.Join(n.state, "run", pidName[unit]+".pid")
	if err := os.WriteFile(pf, []byte(fmt.Sprintf("%d %s\n", cmd.Process.Pid, fields[19])), 0o600); err != nil {
		n.t.Fatal(err)
	}
}

func (n *node) waitReady(unit string, ready func() error) {
	n.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		err := ready()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(n.state, "log", unit+".log"))
			n.t.Fatalf("%s not ready after 90 s: %v\n--- %s.log ---\n%s", unit, err, unit, tailLines(string(log), 30))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// down stops every job, then the router, Nomad and Consul (by the PIDs
// recorded at start), sweeps task processes and unmounts Nomad's task
// tmpfs mounts, all through devcluster.Down; any process of ours still
// alive after that is killed by its PID and the test fails. Finally nothing
// may be left tied to the state dir.
func (n *node) down(ports devcluster.Ports) {
	t := n.t
	if t.Failed() {
		for _, u := range n.names {
			log, _ := os.ReadFile(filepath.Join(n.state, "log", u+".log"))
			t.Logf("--- %s.log (tail) ---\n%s", u, tailLines(string(log), 30))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var out bytes.Buffer
	if err := devcluster.Down(ctx, devcluster.Config{StateDir: n.state, Ports: ports}, &out, false); err != nil {
		t.Errorf("down: %v\n%s", err, out.String())
	}
	for i, cmd := range n.procs {
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Errorf("%s (pid %d) still running after down; killing it", n.names[i], cmd.Process.Pid)
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
	(&cluster{t: t, stateDir: n.state}).assertNothingLeft()
}

// parseUnit reads ExecStart and EnvironmentFile from a systemd unit. The
// module's paths contain no spaces or quotes (its validation refuses
// them), so splitting on white space is the whole of systemd's parsing
// that applies.
func parseUnit(t *testing.T, path string) (argv, env []string) {
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
