package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	consul "github.com/hashicorp/consul/api"
)

// bench holds what one run started; everything is stopped by the PIDs it
// started, never by name.
type bench struct {
	work, hostctl, consulAddr string
	consul                    *consul.Client
	routerToken               string // the routers' Consul token (ACLs deny anonymous reads)
	duration                  time.Duration
	conns, rounds             int
	backend                   string
	procs                     []*exec.Cmd
	pprofDir                  string
}

// profile takes a CPU profile of a hostctl router while a measurement
// runs, when -pprof is set; call the returned func after it.
func (b *bench) profile(admin, name string) func() {
	if b.pprofDir == "" {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		secs := int(b.duration.Seconds()) - 1
		resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", admin, max(secs, 1)))
		if err != nil {
			log.Print(err)
			return
		}
		defer resp.Body.Close()
		f, err := os.Create(filepath.Join(b.pprofDir, name+".pprof"))
		check(err)
		defer f.Close()
		_, _ = io.Copy(f, resp.Body)
	}()
	return func() { <-done }
}

const backendPort = 18690

func (b *bench) path(name string) string { return filepath.Join(b.work, name) }

// portFree fails the run if something already listens on addr: a proxy
// left over from an earlier run would otherwise answer in place of the
// one being measured.
func portFree(addr string) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fatalf("%s is taken (%v): is an earlier run still going?", addr, err)
	}
	l.Close()
}

// start runs a command in its own process group with output to a log file.
func (b *bench) start(name string, env []string, argv ...string) *exec.Cmd {
	logf, err := os.Create(b.path(name + ".log"))
	check(err)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	check(cmd.Start())
	b.procs = append(b.procs, cmd)
	return cmd
}

func (b *bench) stop(cmd *exec.Cmd) {
	if cmd.Process == nil || cmd.ProcessState != nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

func (b *bench) stopAll() {
	for i := len(b.procs) - 1; i >= 0; i-- {
		b.stop(b.procs[i])
	}
}

// startBackend runs one nginx worker answering "ok" on loopback: the same
// backend behind every proxy, and cheap enough not to be what is measured.
func (b *bench) startBackend() {
	conf := fmt.Sprintf(`worker_processes 1;
daemon off;
pid %s;
error_log %s;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  server { listen 127.0.0.1:%d; location / { return 200 "ok\n"; } }
}
`, b.path("backend.pid"), b.path("backend.err"), backendPort)
	check(os.WriteFile(b.path("backend.conf"), []byte(conf), 0o644))
	portFree("127.0.0.1:" + strconv.Itoa(backendPort))
	b.start("backend", nil, "nginx", "-c", b.path("backend.conf"))
	b.backend = "127.0.0.1:" + strconv.Itoa(backendPort)
	waitPort(b.backend)
}

func siteName(i int) string { return fmt.Sprintf("site%05d", i) }
func siteHost(i int) string { return siteName(i) + ".bench.test" }

const sitesPerNode = 1000

// register puts sites [from, to) into Consul as hostctl services with a
// passing check, spread over synthetic nodes, in batched transactions.
func (b *bench) register(from, to int) {
	var ops consul.TxnOps
	flush := func() {
		if len(ops) == 0 {
			return
		}
		ok, resp, _, err := b.consul.Txn().Txn(ops, nil)
		check(err)
		if !ok {
			fatalf("txn failed: %+v", resp.Errors)
		}
		ops = ops[:0]
	}
	for i := from; i < to; i++ {
		node := fmt.Sprintf("bench-node-%d", i/sitesPerNode)
		if i%sitesPerNode == 0 || i == from {
			ops = append(ops, &consul.TxnOp{Node: &consul.NodeTxnOp{Verb: consul.NodeSet,
				Node: consul.Node{Node: node, Address: "127.0.0.1"}}})
		}
		port, _ := strconv.Atoi(strings.TrimPrefix(b.backend, "127.0.0.1:"))
		ops = append(ops, &consul.TxnOp{Service: &consul.ServiceTxnOp{Verb: consul.ServiceSet, Node: node,
			Service: consul.AgentService{ID: siteName(i) + "-1", Service: siteName(i), Address: "127.0.0.1", Port: port,
				Tags: []string{"hostctl", siteHost(i)}, Meta: map[string]string{"hostctl_site": siteName(i), "hostctl_domains": siteHost(i)}}}})
		ops = append(ops, b.checkOp(i, consul.HealthPassing))
		if len(ops) >= 60 {
			flush()
		}
	}
	flush()
}

func (b *bench) checkOp(i int, status string) *consul.TxnOp {
	return &consul.TxnOp{Check: &consul.CheckTxnOp{Verb: consul.CheckSet, Check: consul.HealthCheck{
		Node: fmt.Sprintf("bench-node-%d", i/sitesPerNode), CheckID: "service:" + siteName(i) + "-1", Name: "http",
		Status: status, ServiceID: siteName(i) + "-1", ServiceName: siteName(i)}}}
}

func (b *bench) setHealth(i int, status string) {
	ok, resp, _, err := b.consul.Txn().Txn(consul.TxnOps{b.checkOp(i, status)}, nil)
	check(err)
	if !ok {
		fatalf("txn failed: %+v", resp.Errors)
	}
}

// router starts a hostctl router with GOMAXPROCS=procs (0: all cores).
func (b *bench) router(name string, port, procs int) (*exec.Cmd, string) {
	env := []string{"CONSUL_HTTP_TOKEN=" + b.routerToken}
	if procs > 0 {
		env = append(env, "GOMAXPROCS="+strconv.Itoa(procs))
	}
	admin := "127.0.0.1:" + strconv.Itoa(port+1)
	portFree("127.0.0.1:" + strconv.Itoa(port))
	portFree(admin)
	// The synthetic instances all point at one nginx on a fixed port,
	// outside Nomad's dynamic range that the router trusts by default.
	args := []string{"--consul-addr", b.consulAddr, "router", "run",
		"--listen", "127.0.0.1:" + strconv.Itoa(port), "--admin-listen", admin, "--access-log", "off",
		"--backend-ports", strconv.Itoa(backendPort) + "-" + strconv.Itoa(backendPort)}
	if b.pprofDir != "" {
		args = append(args, "--pprof") // off unless asked for
	}
	cmd := b.start(name, env, append([]string{b.hostctl}, args...)...)
	waitPort("127.0.0.1:" + strconv.Itoa(port))
	return cmd, admin
}

func waitPort(addr string) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	fatalf("%s never listened", addr)
}

// status asks a proxy for host and returns the status code (0 on error).
func status(client *http.Client, addr, host string) int {
	req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
	req.Host = host
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func waitStatus(client *http.Client, addr, host string, want int, limit time.Duration) (time.Duration, bool) {
	t0 := time.Now()
	for time.Since(t0) < limit {
		if status(client, addr, host) == want {
			return time.Since(t0), true
		}
		time.Sleep(time.Millisecond)
	}
	return limit, false
}

// rssMiB reads a process's resident set size.
func rssMiB(pid int) float64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

func run(argv ...string) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	check(cmd.Run())
}
