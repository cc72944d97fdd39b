package integration

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hostctl/hostctl/deploy"
)

// TestRouterRedeployUnderLoad redeploys a two-instance site five times
// while clients keep requesting it; not one request may fail. The router
// has to drop each old instance as Nomad deregisters it, retry the
// requests that race with that on another instance, and only route new
// instances once their checks pass.
func TestRouterRedeployUnderLoad(t *testing.T) {
	t.Parallel()
	c := newRouterCluster(t)
	c.stage("hello", "../examples/hello")
	c.mustRun("site", "apply", helloSpec(c, 0))
	l := startLoad(t, c.router, "hello.localhost", 8)
	for v := 1; v <= 5; v++ {
		t0 := time.Now()
		c.mustRun("site", "apply", helloSpec(c, v))
		t.Logf("redeploy %d took %s (%d ok, %d failed so far)", v, time.Since(t0).Round(time.Millisecond), l.ok.Load(), l.failed.Load())
	}
	time.Sleep(time.Second)
	l.check(t, c, "five redeploys")
	// Five deploys of two instances each, plus the first two: the load saw
	// instances come and go.
	if len(l.allocs) < 6 {
		t.Errorf("load reached only %d instances over five redeploys", len(l.allocs))
	}
}

// TestRouterInstanceKilled kills one of two instances with SIGKILL under
// load: every request (all GETs, so safe to repeat) must still succeed.
func TestRouterInstanceKilled(t *testing.T) {
	t.Parallel()
	c := newRouterCluster(t)
	c.stage("hello", "../examples/hello")
	c.mustRun("site", "apply", helloSpec(c, 0))
	var st deploy.SiteStatus
	if err := json.Unmarshal([]byte(c.mustRun("site", "status", "-o", "json", "hello")), &st); err != nil {
		t.Fatal(err)
	}
	var victim string
	for _, in := range st.Instances {
		if in.Process == "web" && in.Address != "" {
			victim = in.Address
		}
	}
	_, portStr, _ := strings.Cut(victim, ":")
	port, _ := strconv.Atoi(portStr)
	if port == 0 {
		t.Fatalf("no web instance address in %+v", st.Instances)
	}
	l := startLoad(t, c.router, "hello.localhost", 8)
	time.Sleep(3 * time.Second)
	pids := listenerPIDs(t, port)
	for _, pid := range pids {
		kill(t, pid, syscall.SIGKILL)
	}
	t.Logf("killed instance on port %d: pids %v", port, pids)
	time.Sleep(10 * time.Second)
	l.check(t, c, "one of two instances killed")
}

// TestRouterConsulDown stops Consul for 60 s under load: the router keeps
// serving its last table (no request to the healthy site fails), says so
// in /healthz, and follows Consul again once it is back.
func TestRouterConsulDown(t *testing.T) {
	t.Parallel()
	c := newRouterCluster(t)
	c.stage("hello", "../examples/hello")
	c.mustRun("site", "apply", helloSpec(c, 0))
	pidFile := filepath.Join(c.stateDir, "run", "consul.pid")
	pid := pidFromFile(t, pidFile)
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	argv := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
	cwd, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/cwd")

	l := startLoad(t, c.router, "hello.localhost", 4)
	time.Sleep(2 * time.Second)
	kill(t, pid, syscall.SIGTERM)
	waitGone(t, pid, 30*time.Second)
	t0 := time.Now()
	waitUntil(t, "/healthz to report Consul unreachable", 15*time.Second, func() bool {
		return strings.Contains(routerHealth(t, c), `"status":"degraded"`)
	})
	t.Logf("router reported Consul down after %s: %s", time.Since(t0).Round(time.Millisecond), routerHealth(t, c))
	time.Sleep(60*time.Second - time.Since(t0))
	l.check(t, c, "60 s without Consul")
	log, _ := os.ReadFile(filepath.Join(c.stateDir, "log", "router.log"))
	if !strings.Contains(string(log), "keeping the last route table") {
		t.Error("the router's log does not say it is serving a stale table")
	}

	// Bring Consul back the way the dev cluster started it, keeping its
	// data, and record it so `dev down` stops it.
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = cwd
	logf, _ := os.OpenFile(filepath.Join(c.stateDir, "log", "consul.log"), os.O_WRONLY|os.O_APPEND, 0)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait() }()
	stat, _ := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/stat")
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(cmd.Process.Pid)+" "+fields[19]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "/healthz to report Consul back", 60*time.Second, func() bool {
		return strings.Contains(routerHealth(t, c), `"status":"ok"`)
	})
	waitUntil(t, "the site to be served again", 60*time.Second, func() bool {
		code, _ := routerGet(c.router, "hello.localhost")
		return code == 200
	})
}
