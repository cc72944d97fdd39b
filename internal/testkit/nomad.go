package testkit

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	nomad "github.com/hashicorp/nomad/api"
)

// Servers started for a package's tests, stopped by Main by the PIDs it
// started.
var started struct {
	sync.Mutex
	procs []*exec.Cmd
	dirs  []string
}

// Main runs a package's tests and then stops every server testkit started
// for them. A package whose tests use NomadServer calls it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	started.Lock()
	for _, p := range started.procs {
		_ = p.Process.Signal(syscall.SIGKILL)
		_ = p.Wait()
	}
	for _, d := range started.dirs {
		if code == 0 {
			os.RemoveAll(d)
		} else {
			fmt.Fprintf(os.Stderr, "servers' data and logs kept in %s\n", d)
		}
	}
	started.Unlock()
	os.Exit(code)
}

var nomadServer struct {
	once sync.Once
	nc   *nomad.Client
	err  error
}

// NomadServer is a Nomad server with no client and no ACLs, shared by the
// package's tests (each uses names of its own): enough for jobs, scaling
// and Variables, needing neither root nor a Consul agent. Skipped under
// -short.
func NomadServer(t testing.TB) *nomad.Client {
	t.Helper()
	NeedsServers(t, "a Nomad server")
	bin := Tool(t, "nomad")
	nomadServer.once.Do(func() {
		dir, err := ServerDir("hostctl-nomad-")
		if err != nil {
			nomadServer.err = err
			return
		}
		nomadServer.nc, nomadServer.err = StartNomadServer(bin, dir, "")
	})
	if nomadServer.err != nil {
		t.Fatal(nomadServer.err)
	}
	return nomadServer.nc
}

// ServerDir makes a directory for shared servers' data and logs: it
// outlives the test that started them (unlike t.TempDir), and Main removes
// it after the package's tests, or keeps it, and says where, if they
// failed.
func ServerDir(prefix string) (string, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err == nil {
		started.Lock()
		started.dirs = append(started.dirs, dir)
		started.Unlock()
	}
	return dir, err
}

// StartNomadServer starts a Nomad server in dir (data, config, log) on
// free loopback ports, pointed at the Consul agent at consulAddr (none if
// empty), and waits until it leads. Main stops it.
func StartNomadServer(bin, dir, consulAddr string) (*nomad.Client, error) {
	p, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	consulBlock := "consul {\n  client_auto_join = false\n  server_auto_join = false\n  auto_advertise = false\n}\n"
	if consulAddr != "" {
		consulBlock = fmt.Sprintf("consul {\n  address = %q\n  auto_advertise = false\n  server_auto_join = false\n  client_auto_join = false\n}\n", consulAddr)
	}
	cfg := fmt.Sprintf(`data_dir = %q
bind_addr = "127.0.0.1"
log_level = "WARN"
disable_update_check = true
ports {
  http = %d
  rpc  = %d
  serf = %d
}
advertise {
  http = "127.0.0.1"
  rpc  = "127.0.0.1"
  serf = "127.0.0.1"
}
server {
  enabled          = true
  bootstrap_expect = 1
}
client { enabled = false }
%s`, filepath.Join(dir, "nomad"), p[0], p[1], p[2], consulBlock)
	cfgPath := filepath.Join(dir, "nomad.hcl")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	if err := Spawn(bin, dir, "agent", "-config", cfgPath); err != nil {
		return nil, err
	}
	// An explicit address: the server speaks plain HTTP whatever the
	// developer's environment says.
	nc, err := nomad.NewClient(&nomad.Config{Address: "http://127.0.0.1:" + strconv.Itoa(p[0])})
	if err != nil {
		return nil, err
	}
	// Ready is a leader with its keyring loaded: Variables (uids,
	// secrets) are refused until then ("keyring has not been
	// initialized yet").
	probe := &nomad.Variable{Path: "testkit/ready", Items: nomad.VariableItems{"ok": "1"}}
	deadline := time.Now().Add(45 * time.Second)
	for {
		_, _, err := nc.Variables().Create(probe, nil)
		if err == nil {
			_, err = nc.Variables().Delete(probe.Path, nil)
			return nc, err
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the Nomad server is not ready (%v); its log is in %s", err, dir)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Spawn starts a server for Main to stop, with an environment of its own:
// the operator's tokens, TLS settings and cloud variables (AWS_CA_BUNDLE
// breaks Nomad's fingerprinter) must not change how it runs. Its output
// goes to dir/<name>.log: a test's output is for what the test found.
func Spawn(bin, dir string, args ...string) error {
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	log, err := os.Create(filepath.Join(dir, filepath.Base(bin)+".log"))
	if err != nil {
		return err
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return err
	}
	started.Lock()
	started.procs = append(started.procs, cmd)
	started.Unlock()
	return nil
}

// freePorts are n TCP ports on 127.0.0.1 that were free a moment ago,
// held together while chosen so they differ.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// FreePorts is freePorts for tests.
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	p, err := freePorts(n)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
