// Package consultest starts a real Consul agent (the pinned build from
// scripts/bootstrap) in dev mode on free loopback ports, for the router's
// tests. Nothing about Consul is faked.
package consultest

import (
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	consul "github.com/hashicorp/consul/api"

	"github.com/hostctl/hostctl/internal/testkit"
)

// Agent is a running Consul dev agent.
type Agent struct {
	Addr   string // host:port of the HTTP API
	Client *consul.Client
	cmd    *exec.Cmd
	t      testing.TB
	args   []string
}

// Binary finds the consul binary built by scripts/bootstrap. Under -short
// the test is skipped: the quick tier runs without Consul. Otherwise a
// missing binary fails the test, so a full run cannot pass by testing less.
func Binary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("needs a real Consul agent (scripts/bootstrap's build); skipped under -short")
	}
	return testkit.Tool(t, "consul")
}

// Start runs an agent until the test ends; under -short it skips the test
// (see Binary) before taking any port.
func Start(t testing.TB) *Agent {
	t.Helper()
	Binary(t)
	ports := freePorts(t, 3)
	a := &Agent{t: t, Addr: "127.0.0.1:" + strconv.Itoa(ports[0])}
	a.args = []string{"agent", "-dev", "-bind", "127.0.0.1", "-client", "127.0.0.1", "-node", "router-test",
		"-http-port", strconv.Itoa(ports[0]), "-serf-lan-port", strconv.Itoa(ports[1]), "-server-port", strconv.Itoa(ports[2]),
		"-dns-port", "-1", "-grpc-port", "-1", "-serf-wan-port", "-1", "-log-level", "warn",
		// Dev mode also opens gRPC-TLS on the fixed port 8503, which two agents
		// (tests of two packages run at once) cannot share.
		"-hcl", "ports { grpc_tls = -1 }"}
	var err error
	// The dev agent speaks plain HTTP whatever CONSUL_HTTP_SSL in the
	// developer's shell says (NewClient fills unset fields from it).
	a.Client, err = consul.NewClient(&consul.Config{Address: a.Addr, Scheme: "http"})
	if err != nil {
		t.Fatal(err)
	}
	a.start()
	t.Cleanup(a.Stop)
	return a
}

func (a *Agent) start() {
	a.t.Helper()
	a.cmd = exec.Command(Binary(a.t), a.args...)
	a.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := a.cmd.Start(); err != nil {
		a.t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if leader, err := a.Client.Status().Leader(); err == nil && leader != "" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	a.t.Fatal("consul agent never elected itself leader")
}

// Stop kills the agent (dev mode keeps no state).
func (a *Agent) Stop() {
	if a.cmd == nil || a.cmd.Process == nil {
		return
	}
	_ = a.cmd.Process.Signal(syscall.SIGKILL)
	_ = a.cmd.Wait()
	a.cmd = nil
}

// Restart starts a fresh agent on the same ports; its catalog is empty.
func (a *Agent) Restart() { a.start() }

// Register puts an instance of a hostctl site on node with one check in
// the given state, in one transaction, as Consul's anti-entropy does.
// node must not be the agent's own ("router-test"): the agent's
// anti-entropy removes catalog entries on its node that it did not
// register itself, which once took a TLS test's host away mid-test.
func (a *Agent) Register(node, site, id string, port int, status string, meta map[string]string) {
	a.t.Helper()
	if meta == nil {
		meta = map[string]string{"hostctl_domains": site + ".test"}
	}
	ops := consul.TxnOps{
		{Node: &consul.NodeTxnOp{Verb: consul.NodeSet, Node: consul.Node{Node: node, Address: "127.0.0.1"}}},
		{Service: &consul.ServiceTxnOp{Verb: consul.ServiceSet, Node: node, Service: consul.AgentService{
			ID: id, Service: site, Address: "127.0.0.1", Port: port, Tags: []string{"hostctl"}, Meta: meta}}},
		a.checkOp(node, site, id, status),
	}
	a.txn(ops)
}

// SetCheck changes an instance's check.
func (a *Agent) SetCheck(node, site, id, status string) {
	a.t.Helper()
	a.txn(consul.TxnOps{a.checkOp(node, site, id, status)})
}

// Deregister removes an instance.
func (a *Agent) Deregister(node, id string) {
	a.t.Helper()
	if _, err := a.Client.Catalog().Deregister(&consul.CatalogDeregistration{Node: node, ServiceID: id}, nil); err != nil {
		a.t.Fatal(err)
	}
}

func (a *Agent) checkOp(node, site, id, status string) *consul.TxnOp {
	return &consul.TxnOp{Check: &consul.CheckTxnOp{Verb: consul.CheckSet, Check: consul.HealthCheck{
		Node: node, CheckID: "service:" + id, Name: "http", Status: status, ServiceID: id, ServiceName: site}}}
}

func (a *Agent) txn(ops consul.TxnOps) {
	ok, resp, _, err := a.Client.Txn().Txn(ops, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	if !ok {
		a.t.Fatalf("txn: %v", resp.Errors)
	}
}

func freePorts(t testing.TB, n int) []int {
	var ls []net.Listener
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// String names the agent in messages.
func (a *Agent) String() string { return fmt.Sprintf("consul at %s", a.Addr) }
