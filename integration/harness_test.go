// Package integration runs hostctl end to end against a real dev cluster:
// the pinned Nomad and Consul builds from scripts/bootstrap, the hostctl
// binary built from this tree, real gunicorn. Nothing is mocked.
package integration

import (
	"bytes"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	consul "github.com/hashicorp/consul/api"
	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/acls"
	"github.com/hostctl/hostctl/internal/testkit"
)

// cluster is one dev cluster under its own state dir and ports.
type cluster struct {
	t        *testing.T
	bin      string
	stateDir string
	env      []string
	router   string
	tokens   acls.Tokens
}

// binDir is where scripts/bootstrap put the pinned nomad and consul.
func binDir(t *testing.T) string {
	t.Helper()
	return testkit.ToolDir(t, "nomad", "consul")
}

// newCluster builds hostctl and starts a dev cluster on free ports. The
// cluster is torn down, and checked to have left nothing behind, when the
// test ends.
func newCluster(t *testing.T) *cluster {
	t.Helper()
	return newClusterOf(t, 1, "127.0.0")
}

// newClusterOf starts a cluster of nodes simulated nodes at NET.1, NET.2,
// ... (devcluster's --nodes and --node-net); one node is on 127.0.0.1.
func newClusterOf(t *testing.T, nodes int, net string) *cluster {
	t.Helper()
	testkit.NeedsServers(t, "a Nomad + Consul dev cluster")
	testkit.NeedsRoot(t, "the cluster runs Nomad's raw_exec tasks as other users")
	bins := binDir(t)
	// Not t.TempDir(): its 0700 parents would lock the site user out of its
	// task directories, which is exactly what the dev cluster checks for.
	state, err := os.MkdirTemp("/tmp", "hostctl-it-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(state, 0o711); err != nil {
		t.Fatal(err)
	}
	bin := hostctlBinary(t)
	base := freePortBase(t)
	addr := "127.0.0.1"
	if nodes > 1 {
		addr = net + ".1"
	}
	c := &cluster{
		t: t, bin: bin, stateDir: state,
		router: "http://" + addr + ":" + strconv.Itoa(base+6),
		env: append(os.Environ(),
			"HOSTCTL_STATE_DIR="+state,
			"HOSTCTL_NOMAD_BIN="+filepath.Join(bins, "nomad"),
			"HOSTCTL_CONSUL_BIN="+filepath.Join(bins, "consul"),
			fmt.Sprintf("NOMAD_ADDR=http://%s:%d", addr, base+3),
			fmt.Sprintf("CONSUL_HTTP_ADDR=%s:%d", addr, base),
			"HOSTCTL_ROUTER_URL="+"http://"+addr+":"+strconv.Itoa(base+6),
			"HOSTCTL_SOURCE_ROOT="+filepath.Join(state, "sources"),
		),
	}
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := filepath.Glob(filepath.Join(state, "log", "*.log"))
			for _, log := range logs {
				name := strings.TrimSuffix(filepath.Base(log), ".log")
				b, _ := os.ReadFile(filepath.Join(state, "log", name+".log"))
				t.Logf("--- %s.log (tail) ---\n%s", name, tailLines(string(b), 30))
			}
		}
		if out, err := c.run("dev", "down"); err != nil {
			t.Errorf("dev down: %v\n%s", err, out)
		}
		c.assertNothingLeft()
		_ = os.RemoveAll(state)
	})
	t0 := time.Now()
	c.mustRun("dev", "up", "--port-base", strconv.Itoa(base), "--nodes", strconv.Itoa(nodes), "--node-net", net)
	t.Logf("dev up took %s", time.Since(t0).Round(time.Millisecond))
	// The operator's tokens, as `hostctl dev env` exports them.
	tokens, err := acls.LoadTokens(filepath.Join(state, "etc", "tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	c.tokens = tokens
	// Everything else a command needs (tokens, the provisioner's Postgres,
	// media and backup dirs) comes the way a newcomer gets it: eval "$(hostctl
	// dev env)". Production commands never read the dev cluster's state.
	c.env = append(c.env, exportsOf(t, c.mustRun("dev", "env"))...)
	return c
}

// exportsOf turns `export K=V` lines (V possibly Go-quoted) into K=V.
func exportsOf(t *testing.T, script string) []string {
	t.Helper()
	var env []string
	for _, line := range strings.Split(script, "\n") {
		kv, ok := strings.CutPrefix(line, "export ")
		if !ok {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if uq, err := strconv.Unquote(v); err == nil {
			v = uq
		}
		env = append(env, k+"="+v)
	}
	if len(env) == 0 {
		t.Fatalf("dev env printed no exports:\n%s", script)
	}
	return env
}

// nomad and consul are API clients holding the operator's tokens.
func (c *cluster) nomad() *nomad.Client {
	c.t.Helper()
	nc, err := nomad.NewClient(&nomad.Config{Address: c.envValue("NOMAD_ADDR"), SecretID: c.tokens.NomadManagement.SecretID})
	if err != nil {
		c.t.Fatal(err)
	}
	return nc
}

func (c *cluster) consul() *consul.Client {
	c.t.Helper()
	cc, err := consul.NewClient(&consul.Config{Address: c.envValue("CONSUL_HTTP_ADDR"), Token: c.tokens.ConsulManagement.SecretID})
	if err != nil {
		c.t.Fatal(err)
	}
	return cc
}

func (c *cluster) run(args ...string) (string, error) {
	cmd := exec.Command(c.bin, args...)
	cmd.Env = c.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func (c *cluster) mustRun(args ...string) string {
	c.t.Helper()
	out, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("hostctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// sourceRoot is the cluster's source tree: site S's local code is
// sourceRoot/S (HOSTCTL_SOURCE_ROOT, the dev cluster's default).
func (c *cluster) sourceRoot() string { return filepath.Join(c.stateDir, "sources") }

// stage copies an example app into the source tree as site's code (specs
// then say app = "."), and returns where it went.
func (c *cluster) stage(site, example string) string {
	c.t.Helper()
	dst := filepath.Join(c.sourceRoot(), site)
	err := filepath.WalkDir(example, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(example, p)
		if d.Name() == "__pycache__" || d.Name() == "data" {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		c.t.Fatal(err)
	}
	_ = os.Chmod(c.sourceRoot(), 0o755)
	return dst
}

// assertNothingLeft fails the test if any live process is still tied to
// the state dir (by working directory, arguments or open files) or
// anything is still mounted below it. Exited processes that this sandbox's
// init has not reaped yet (zombies) hold nothing and are ignored.
func (c *cluster) assertNothingLeft() {
	c.t.Helper()
	for _, p := range liveProcessesTiedTo(c.stateDir) {
		c.t.Errorf("process left behind: %s", p)
	}
	mounts, _ := os.ReadFile("/proc/self/mountinfo")
	for _, line := range strings.Split(string(mounts), "\n") {
		if strings.Contains(line, " "+c.stateDir+"/") {
			c.t.Errorf("mount left behind: %s", line)
		}
	}
}

func tiedTo(pid, dir string) string {
	base := "/proc/" + pid
	if cwd, err := os.Readlink(base + "/cwd"); err == nil && strings.HasPrefix(cwd+"/", dir+"/") {
		return "cwd " + cwd
	}
	if cmd, err := os.ReadFile(base + "/cmdline"); err == nil && bytes.Contains(cmd, []byte(dir)) {
		return "arguments"
	}
	fds, _ := os.ReadDir(base + "/fd")
	for _, fd := range fds {
		if target, err := os.Readlink(base + "/fd/" + fd.Name()); err == nil && strings.HasPrefix(target, dir+"/") {
			return "open file " + target
		}
	}
	return ""
}

// freePortBase finds eight consecutive free loopback ports below Nomad's
// dynamic port range (20000-32000) and Linux's ephemeral range, so neither
// a site nor an outgoing connection lands on one.
func freePortBase(t *testing.T) int {
	t.Helper()
	for base := 15000 + (os.Getpid()%400)*10; base < 19990; base += 10 {
		ok := true
		for p := base; p < base+9 && ok; p++ {
			l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
			if err != nil {
				ok = false
				continue
			}
			l.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free port range")
	return 0
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// liveProcessesTiedTo lists the processes, zombies aside, that use dir (see
// tiedTo), as "pid (why): cmdline".
func liveProcessesTiedTo(dir string) []string {
	var left []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid := e.Name()
		if _, err := strconv.Atoi(pid); err != nil || pid == strconv.Itoa(os.Getpid()) {
			continue
		}
		stat, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil {
			continue
		}
		if i := bytes.LastIndexByte(stat, ')'); i > 0 && bytes.HasPrefix(stat[i+1:], []byte(" Z")) {
			continue
		}
		if why := tiedTo(pid, dir); why != "" {
			cmd, _ := os.ReadFile("/proc/" + pid + "/cmdline")
			left = append(left, fmt.Sprintf("%s (%s): %.200s", pid, why, bytes.ReplaceAll(cmd, []byte{0}, []byte{' '})))
		}
	}
	return left
}

// built is the hostctl binary every cluster of this test run uses, built
// once: a build per cluster cost seconds each, and the tests are of one
// tree anyway.
var built struct {
	once sync.Once
	dir  string
	err  error
	out  []byte
}

func hostctlBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("/tmp", "hostctl-it-bin-"); built.err != nil {
			return
		}
		// The launcher runs from here as root for every site; others only
		// need to pass through.
		_ = os.Chmod(built.dir, 0o711)
		built.out, built.err = staticBuild(filepath.Join(built.dir, "hostctl")).CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("go build: %v\n%s", built.err, built.out)
	}
	return filepath.Join(built.dir, "hostctl")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// staticBuild builds hostctl the way scripts/bootstrap does: without cgo,
// because the binary is also the launcher that Nomad starts as root among
// a site's variables, and the dev cluster refuses a dynamically linked one.
func staticBuild(out string) *exec.Cmd {
	cmd := exec.Command("go", "build", "-o", out, "../cmd/hostctl")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	return cmd
}
