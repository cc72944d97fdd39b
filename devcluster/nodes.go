package devcluster

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// A dev cluster of several nodes simulates machines on one: node k has its
// own loopback address (NodeNet.k), Consul agent, Nomad agent, data dirs,
// media store and logs, and the same port numbers as every other node. The
// first Servers nodes run the Consul and Nomad servers too; nodes 1 and 2
// run a router each. One node (Nodes 0 or 1) is the default, on 127.0.0.1.

// Servers is how many nodes of a multi-node cluster run the servers: three,
// the smallest Raft cluster that keeps a quorum after losing one.
const Servers = 3

// MaxNodes caps --nodes: every node is two agents and a sparse 4 GiB media
// image on one machine.
const MaxNodes = 9

// DefaultNodeNet is where a multi-node cluster's addresses are, unless told
// otherwise: node k is 127.0.0.k.
const DefaultNodeNet = "127.0.0"

var nodeNetRE = regexp.MustCompile(`^127\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])$`)

// NodeCount is how many nodes the cluster has.
func (c Config) NodeCount() int { return max(1, c.Nodes) }

func (c Config) multi() bool { return c.NodeCount() > 1 }

// serverCount is how many nodes run servers.
func (c Config) serverCount() int { return min(c.NodeCount(), Servers) }

// IsServer reports whether node k runs the Consul and Nomad servers.
func (c Config) IsServer(k int) bool { return k <= c.serverCount() }

// NodeAddr is node k's address (k counts from 1).
func (c Config) NodeAddr(k int) string {
	if !c.multi() {
		return Addr
	}
	net := c.NodeNet
	if net == "" {
		net = DefaultNodeNet
	}
	return net + "." + strconv.Itoa(k)
}

// NodeName is node k's Consul node name and Nomad agent name.
func (c Config) NodeName(k int) string {
	if !c.multi() {
		return "hostctl-dev"
	}
	return "hostctl-dev-" + strconv.Itoa(k)
}

// NodeOf returns k for node name; 0 if it is none of this cluster's.
func (c Config) NodeOf(name string) int {
	for k := 1; k <= c.NodeCount(); k++ {
		if c.NodeName(k) == name {
			return k
		}
	}
	return 0
}

// nodeDir holds node k's data: node 1's is the state dir itself, so a
// one-node cluster's layout is what it always was.
func (c Config) nodeDir(k int) string {
	if k == 1 {
		return c.StateDir
	}
	return c.path("nodes", strconv.Itoa(k))
}

func (c Config) consulDataDir(k int) string { return filepath.Join(c.nodeDir(k), "consul") }
func (c Config) nomadDataDirOf(k int) string {
	return filepath.Join(c.nodeDir(k), "nomad")
}
func (c Config) mediaImageOf(k int) string { return filepath.Join(c.nodeDir(k), "media.img") }

// NodeMediaRoot is node k's media store, advertised as its
// contract.MediaRootMeta; node 1's is MediaRoot.
func (c Config) NodeMediaRoot(k int) string { return filepath.Join(c.nodeDir(k), "media") }

// RouterCount is how many routers run: two on several nodes (nodes 1 and
// 2), so losing one leaves the other serving.
func (c Config) RouterCount() int { return min(c.NodeCount(), 2) }

// NodeRouterURL is the router of node k (1 or 2).
func (c Config) NodeRouterURL(k int) string {
	return "http://" + c.NodeAddr(k) + ":" + strconv.Itoa(c.Ports.Router)
}

// NodeNomadAddr and NodeConsulAddr are node k's agents' HTTP APIs.
func (c Config) NodeNomadAddr(k int) string {
	return "http://" + c.NodeAddr(k) + ":" + strconv.Itoa(c.Ports.NomadHTTP)
}
func (c Config) NodeConsulAddr(k int) string {
	return c.NodeAddr(k) + ":" + strconv.Itoa(c.Ports.ConsulHTTP)
}

// nodeName is the process name of a component on node k: node 1 keeps the
// plain names a one-node cluster always had.
func compName(base string, k int) string {
	if k == 1 {
		return base
	}
	return base + "-" + strconv.Itoa(k)
}

func (c Config) validateNodes() error {
	if n := c.NodeCount(); n == 2 || n > MaxNodes {
		return fmt.Errorf("nodes = %d: want 1, or 3 to %d (a Raft cluster of 2 servers does not survive losing one)", n, MaxNodes)
	}
	if c.NodeNet != "" && !nodeNetRE.MatchString(c.NodeNet) {
		return fmt.Errorf("node net %q: want the first three parts of a loopback address, such as 127.0.0", c.NodeNet)
	}
	return nil
}

// addNodeAddrs puts every node's address on lo: 127.0.0.0/8 is routed to
// lo anyway, but Nomad offers ports only on addresses an interface has.
// The addresses are the cluster's own; removeNodeAddrs (`down`) takes them
// off again, never 127.0.0.1.
func (c Config) addNodeAddrs(out io.Writer) error    { return c.nodeAddrs(out, "add", "added to") }
func (c Config) removeNodeAddrs(out io.Writer) error { return c.nodeAddrs(out, "del", "removed from") }

// nodeAddrs runs `ip addr add|del` for each node address that needs it:
// add those lo lacks, delete those it has.
func (c Config) nodeAddrs(out io.Writer, op, done string) error {
	if !c.multi() {
		return nil
	}
	have, err := loAddrs()
	if err != nil {
		return err
	}
	var errs []error
	for k := 1; k <= c.NodeCount(); k++ {
		a := c.NodeAddr(k)
		if have[a] == (op == "add") || a == Addr {
			continue
		}
		if b, err := exec.Command("ip", "addr", op, a+"/8", "dev", "lo").CombinedOutput(); err != nil {
			errs = append(errs, fmt.Errorf("ip addr %s %s/8 dev lo: %v: %s", op, a, err, strings.TrimSpace(string(b))))
			continue
		}
		fmt.Fprintf(out, "%-9s %s %s lo\n", "address", a, done)
	}
	return errors.Join(errs...)
}

func loAddrs() (map[string]bool, error) {
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		return nil, err
	}
	addrs, err := lo.Addrs()
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok {
			have[ipn.IP.String()] = true
		}
	}
	return have, nil
}
