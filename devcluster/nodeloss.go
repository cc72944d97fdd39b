package devcluster

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// KillNode makes node k's machine die: its router and agents are SIGKILLed
// by the PIDs this cluster recorded, then every process of the node's
// (Nomad's helpers and the site tasks, which outlive their agent by
// design) the same way. Nothing is told; the rest of the cluster finds
// out as it would about a machine that lost power. Up starts the node
// again with its state, as a machine that reboots.
func KillNode(c Config, k int) error {
	if k < 1 || k > c.NodeCount() {
		return fmt.Errorf("no node %d: the cluster has %d", k, c.NodeCount())
	}
	if !c.multi() {
		return errors.New("a one-node cluster has no node to lose")
	}
	for _, comp := range c.components() {
		if comp.node == k && comp.name != "postgres" {
			c.pidFile(comp.name).kill()
		}
	}
	if left := c.killProcs(c.nodeProcs(k), func() []int { return c.nodeProcs(k) }); len(left) > 0 {
		return fmt.Errorf("node %d: processes still running after SIGKILL: %v", k, left)
	}
	return nil
}

// kill SIGKILLs the recorded process's group at once, as a power cut would.
func (pf pidFile) kill() {
	if p, ok := pf.running(); ok {
		_ = syscall.Kill(-p.pid, syscall.SIGKILL)
		waitGone(p, 5*time.Second)
	}
}

// Partition drops every packet sent to node k's address, so that connects
// to it time out, as to a machine that is gone, rather than being refused,
// as by a live machine with nothing listening. Heal lifts it. The rule is
// an nftables table of its own, named after the state dir and the node, so
// removing it touches nothing else.
func Partition(c Config, k int) error {
	addr, table, err := c.partitionTable(k)
	if err != nil {
		return err
	}
	_ = Heal(c, k)
	script := fmt.Sprintf("table ip %s {\n  chain out {\n    type filter hook output priority 0; policy accept;\n    ip daddr %s drop\n  }\n}\n", table, addr)
	cmd := exec.Command("nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("nft: %v: %s", err, strings.TrimSpace(string(b)))
	}
	return nil
}

// Heal removes node k's partition; it is harmless when there is none.
func Heal(c Config, k int) error {
	_, table, err := c.partitionTable(k)
	if err != nil {
		return err
	}
	b, err := exec.Command("nft", "delete", "table", "ip", table).CombinedOutput()
	if err != nil && !strings.Contains(string(b), "No such file or directory") {
		return fmt.Errorf("nft delete table ip %s: %v: %s", table, err, strings.TrimSpace(string(b)))
	}
	return nil
}

func (c Config) partitionTable(k int) (addr, table string, err error) {
	if k < 1 || k > c.NodeCount() || !c.multi() {
		return "", "", fmt.Errorf("no node %d to partition: the cluster has %d node(s)", k, c.NodeCount())
	}
	addr = c.NodeAddr(k)
	if addr == Addr {
		// 127.0.0.1 is every other program's loopback too.
		return "", "", fmt.Errorf("node %d is on %s, which this machine needs: start the cluster with --node-net", k, Addr)
	}
	sum := sha256.Sum256([]byte(c.StateDir))
	return addr, "hostctl_" + hex.EncodeToString(sum[:4]) + "_node" + strconv.Itoa(k), nil
}

// ComponentName is the process name of component base ("consul", "nomad",
// "router") on node k, as `dev status` lists it.
func ComponentName(base string, k int) string { return compName(base, k) }

// Kill SIGKILLs one component by the PID this cluster recorded, as a crash
// would: a Consul or Nomad server that leads, say. Up starts it again.
func Kill(c Config, name string) error {
	for _, comp := range c.components() {
		if comp.name == name {
			c.pidFile(name).kill()
			return nil
		}
	}
	return fmt.Errorf("no component %q", name)
}
