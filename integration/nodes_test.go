package integration

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
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

// nodesNet is where TestManyNodes's nodes live: a /24 of loopback that no
// other test uses, so dropping a node's traffic touches nothing else.
const nodesNet = "127.0.87"

// TestManyNodes runs one cluster of four simulated nodes (three servers,
// two routers) and, under load through both routers, loses things the way
// a hosting business does: a node drained for maintenance, a router, the
// Consul and Nomad leaders, and a whole node that drops off the network.
// Two sites run on nodes 3 and 4 only, so each loss hits them and not the
// routers: duo with two instances (which must not fail a request), solo
// with one (which must serve again within 30 s). Figures are logged with
// the prefix "figure:" for docs/reliability.md.
func TestManyNodes(t *testing.T) {
	c := newClusterOf(t, 4, nodesNet)
	cfg, err := devcluster.LoadConfig(c.stateDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for k := 1; k <= cfg.NodeCount(); k++ {
			_ = devcluster.Heal(cfg, k)
		}
	})
	routers := []string{cfg.NodeRouterURL(1), cfg.NodeRouterURL(2)}
	for _, site := range []struct {
		name      string
		instances int
	}{{"duo", 2}, {"solo", 1}} {
		c.applyHello(site.name, fmt.Sprintf("process \"web\" {\n    instances = %d\n  }\n", site.instances)+onNodes3And4)
	}
	nc := c.nomad()

	t.Run("placement: instances on different nodes, both routers serve", func(t *testing.T) {
		nodes := runningNodes(t, nc, "duo")
		if len(nodes) != 2 || nodes[0] == nodes[1] {
			t.Fatalf("duo's instances run on %v, want two different nodes", nodes)
		}
		for _, r := range routers {
			for _, site := range []string{"duo", "solo"} {
				if got := getVia(r, site+".localhost"); got != 200 {
					t.Errorf("%s via %s: %d", site, r, got)
				}
			}
		}
	})

	t.Run("drain", func(t *testing.T) {
		victim := runningNodes(t, nc, "duo")[0]
		l := startTimeline("duo during drain", routers[0], "duo.localhost", 4)
		time.Sleep(time.Second)
		t0 := time.Now()
		out := c.mustRun("node", "drain", "--deadline", "2m", victim)
		took := time.Since(t0)
		time.Sleep(2 * time.Second)
		r := l.stop()
		t.Logf("figure: drain of %s: %d requests to duo, %d failed; drain took %s; slowest request %s\n%s",
			victim, len(r.outcomes), len(r.failed()), took.Round(100*time.Millisecond), r.slowest(t0).Round(time.Millisecond), out)
		if len(r.failed()) > 0 {
			t.Errorf("requests failed during the drain:\n%s", r)
		}
		for _, n := range runningNodes(t, nc, "duo") {
			if n == victim {
				t.Errorf("duo still runs on drained node %s", victim)
			}
		}
		list := c.mustRun("node", "list")
		if !strings.Contains(list, victim) || !strings.Contains(lineOf(list, victim), "ineligible") {
			t.Errorf("node list does not show %s ineligible:\n%s", victim, list)
		}
		c.mustRun("node", "undrain", victim)
		if l := lineOf(c.mustRun("node", "list"), victim); !strings.Contains(l, " eligible") {
			t.Errorf("after undrain: %s", l)
		}
		// Spread duo over nodes 3 and 4 again for the next losses.
		c.mustRun("site", "restart", "duo")
		waitFor(t, time.Minute, "duo on two nodes again", func() bool {
			n := runningNodes(t, nc, "duo")
			return len(n) == 2 && n[0] != n[1]
		})
	})

	t.Run("router loss", func(t *testing.T) {
		l1 := startTimeline("duo via router 1", routers[0], "duo.localhost", 4)
		l2 := startTimeline("duo via router 2", routers[1], "duo.localhost", 4)
		time.Sleep(time.Second)
		t0 := time.Now()
		if err := devcluster.Kill(cfg, devcluster.ComponentName("router", 2)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Second)
		r1, r2 := l1.stop(), l2.stop()
		inFlight := 0
		for _, o := range r2.failed() {
			if o.at.Before(t0) {
				inFlight++
			}
		}
		t.Logf("figure: router 2 killed: via router 1 %d requests, %d failed; via router 2 %d failed that started before the kill (in flight), the rest refused",
			len(r1.outcomes), len(r1.failed()), inFlight)
		if len(r1.failed()) > 0 {
			t.Errorf("the surviving router failed requests:\n%s", r1)
		}
		if inFlight > 4 {
			t.Errorf("%d requests in flight on router 2 failed, but only 4 clients were sending", inFlight)
		}
		c.mustRun("dev", "up")
		if got := getVia(routers[1], "duo.localhost"); got != 200 {
			t.Errorf("restarted router 2: %d", got)
		}
	})

	t.Run("leader loss", func(t *testing.T) {
		cc := c.consul()
		consulLeader := leaderNode(t, cfg, func() (string, error) { return cc.Status().Leader() })
		nomadLeader := leaderNode(t, cfg, func() (string, error) { return nc.Status().Leader() })
		l1 := startTimeline("duo via router 1", routers[0], "duo.localhost", 2)
		l2 := startTimeline("duo via router 2", routers[1], "duo.localhost", 2)
		time.Sleep(time.Second)
		t0 := time.Now()
		for _, name := range []string{devcluster.ComponentName("consul", consulLeader), devcluster.ComponentName("nomad", nomadLeader)} {
			if err := devcluster.Kill(cfg, name); err != nil {
				t.Fatal(err)
			}
		}
		// Ask a server that is still up.
		k := 1
		for k == consulLeader || k == nomadLeader {
			k++
		}
		ncK := c.nomadAt(cfg.NodeNomadAddr(k))
		ccK := c.consulAt(cfg.NodeConsulAddr(k))
		var consulElected, nomadElected time.Duration
		waitFor(t, time.Minute, "new leaders", func() bool {
			if consulElected == 0 {
				if l, err := ccK.Status().Leader(); err == nil && l != "" && nodeOfAddr(cfg, l) != consulLeader {
					consulElected = time.Since(t0)
				}
			}
			if nomadElected == 0 {
				if l, err := ncK.Status().Leader(); err == nil && l != "" && nodeOfAddr(cfg, l) != nomadLeader {
					nomadElected = time.Since(t0)
				}
			}
			return consulElected > 0 && nomadElected > 0
		})
		// The routers serve on through the election, with their last table
		// or through another agent (--consul-fallback).
		time.Sleep(3 * time.Second)
		// systemd restarts a crashed agent (Restart=on-failure); here,
		// `dev up`. Until the node's Consul agent is back, an instance
		// Nomad places there cannot register (Nomad 1.11 stops
		// fingerprinting Consul once that has succeeded, so it keeps
		// placing instances there).
		tUp := time.Now()
		c.mustRun("dev", "up")
		restarted := time.Since(tUp)
		// Deploys work again: a new version of duo, through a server that
		// never went down.
		t1 := time.Now()
		out, err := c.runEnv([]string{"NOMAD_ADDR=" + cfg.NodeNomadAddr(k), "CONSUL_HTTP_ADDR=" + cfg.NodeConsulAddr(k)},
			"site", "restart", "duo")
		if err != nil {
			t.Errorf("deploy after leader loss: %v\n%s", err, out)
		}
		deployed := time.Since(t1)
		// Every client fingerprinted its Consul agent on restart: a site
		// pinned to any node can be placed.
		if n := nodesWithoutConsul(t, ncK); len(n) > 0 {
			t.Errorf("Nomad clients without attr.consul.version after the restart: %v", n)
		}
		time.Sleep(time.Second)
		r1, r2 := l1.stop(), l2.stop()
		t.Logf("figure: leader loss (Consul leader node %d, Nomad leader node %d killed): new Consul leader after %s, Nomad after %s; "+
			"via router 1 %d requests, %d failed; via router 2 %d, %d failed; the crashed agents restarted in %s; a restart of duo started %s after the kill and took %s",
			consulLeader, nomadLeader, consulElected.Round(10*time.Millisecond), nomadElected.Round(10*time.Millisecond),
			len(r1.outcomes), len(r1.failed()), len(r2.outcomes), len(r2.failed()), restarted.Round(100*time.Millisecond),
			t1.Sub(t0).Round(100*time.Millisecond), deployed.Round(100*time.Millisecond))
		for _, r := range []loadReport{r1, r2} {
			if len(r.failed()) > 0 {
				t.Errorf("requests failed during leader loss:\n%s", r)
			}
		}
		// A restarted server votes again only once autopilot has seen it
		// stable (10 s): losing another before then loses the quorum.
		waitServersHealthy(t, ncK, ccK)
	})

	t.Run("static files a release made, through either router", func(t *testing.T) {
		c.applyHello("assets", `release = [["python3", "-c", "import os; os.makedirs('built', exist_ok=True); open('built/site.css', 'w').write('body { color: teal }')"]]
  static {
    url = "/static/"
    dir = "built"
  }
`+onNodes3And4)
		for _, r := range routers {
			code, body := getBodyVia(r, "assets.localhost", "/static/site.css")
			if code != 200 || body != "body { color: teal }" {
				t.Errorf("via %s: %d %q, want the file the release wrote", r, code, body)
			}
		}
	})

	t.Run("site move", func(t *testing.T) {
		spec := c.applyHello("pics", "media { quota = \"64MiB\" }\n")
		from := filepath.Join(cfg.NodeMediaRoot(1), "sites", "pics")
		want := writeMediaFiles(t, from)
		l := startTimeline("pics during move", routers[1], "pics.localhost", 2)
		time.Sleep(time.Second)
		out := c.mustRun("site", "move", "pics", cfg.NodeName(3))
		time.Sleep(time.Second)
		r := l.stop()
		to := filepath.Join(cfg.NodeMediaRoot(3), "sites", "pics")
		if got := mediaFiles(t, to); !equalFiles(got, want) {
			t.Errorf("files after the move differ:\n got %v\nwant %v", got, want)
		}
		if _, err := os.Stat(from); !os.IsNotExist(err) {
			t.Errorf("the old store still holds pics: %v", err)
		}
		if n := runningNodes(t, nc, "pics"); len(n) != 1 || n[0] != cfg.NodeName(3) {
			t.Errorf("pics runs on %v, want %s", n, cfg.NodeName(3))
		}
		for _, rt := range routers {
			if code, body := getBodyVia(rt, "pics.localhost", "/media/a.bin"); code != 200 || body != string(want["a.bin"].data) {
				t.Errorf("media via %s after the move: %d (%d bytes)", rt, code, len(body))
			}
		}
		t.Logf("figure: site move of pics (%d files, %d bytes) to node 3: %d requests failed, down %s by the clients' count\n%s",
			len(want), totalBytes(want), len(r.failed()), r.downSpan().Round(10*time.Millisecond), out)
		// A later apply of the same spec keeps it where it was moved.
		c.mustRun("site", "apply", spec)
		if n := runningNodes(t, nc, "pics"); len(n) != 1 || n[0] != cfg.NodeName(3) {
			t.Errorf("after a new apply pics runs on %v, want %s", n, cfg.NodeName(3))
		}
	})

	t.Run("node loss", func(t *testing.T) {
		soloNodes := runningNodes(t, nc, "solo")
		if len(soloNodes) != 1 {
			t.Fatalf("solo runs on %v", soloNodes)
		}
		victim := cfg.NodeOf(soloNodes[0])
		// Where servers have machines of their own (the Terraform aws
		// example), losing a node that runs sites loses no leader; here
		// nodes 1-3 are servers too. A new leader gives every client
		// failover_heartbeat_ttl (30 s) before calling it down, so with
		// the leader lost as well a one-instance site is back after ~35 s
		// instead (docs/reliability.md). A lost follower stays in: its
		// clients' stalled heartbeats are what heartbeat_grace covers.
		moveNomadLeaderOff(t, cfg, nc, victim)
		duoBefore := runningNodes(t, nc, "duo")
		lDuo := startTimeline("duo", routers[0], "duo.localhost", 4)
		lSolo := startTimeline("solo", routers[0], "solo.localhost", 1)
		time.Sleep(time.Second)
		t0 := time.Now()
		if err := devcluster.Partition(cfg, victim); err != nil {
			t.Fatal(err)
		}
		if err := devcluster.KillNode(cfg, victim); err != nil {
			t.Fatal(err)
		}
		var duoBack time.Duration
		waitFor(t, 90*time.Second, "duo's lost instance running on another node", func() bool {
			n := runningNodes(t, nc, "duo")
			for _, name := range n {
				if cfg.NodeOf(name) == victim {
					return false
				}
			}
			if len(n) == 2 {
				duoBack = time.Since(t0)
				return true
			}
			return false
		})
		waitFor(t, 60*time.Second, "solo serving again", func() bool { return lSolo.failedThenOK(t0) })
		time.Sleep(time.Second)
		rDuo, rSolo := lDuo.stop(), lSolo.stop()
		soloBack := rSolo.backAfter(t0)
		t.Logf("figure: node %d lost (killed, traffic dropped): duo (2 instances, one there: %v) %d requests, %d failed, slowest %s, slow (>1 s) until %s; "+
			"duo's instance running elsewhere after %s; solo (1 instance) served again after %s",
			victim, duoBefore, len(rDuo.outcomes), len(rDuo.failed()), rDuo.slowest(t0).Round(time.Millisecond),
			rDuo.settledAfter(t0, time.Second).Round(100*time.Millisecond), duoBack.Round(100*time.Millisecond), soloBack.Round(100*time.Millisecond))
		if len(rDuo.failed()) > 0 {
			t.Errorf("duo failed requests while a node was lost:\n%s", rDuo)
		}
		if soloBack < 0 || soloBack > 30*time.Second {
			t.Errorf("solo served again after %s, want within 30 s\n%s", soloBack, rSolo)
		}
		if err := devcluster.Heal(cfg, victim); err != nil {
			t.Error(err)
		}
		c.mustRun("dev", "up")
	})
}

// onNodes3And4 keeps a site off the routers' nodes, so that losing its
// node never takes a router with it.
const onNodes3And4 = `  constraint {
    attribute = "node.unique.name"
    operator  = "regexp"
    value     = "^hostctl-dev-[34]$"
  }
`

// applyHello deploys examples/hello as site name.localhost with the spec
// lines in extra, and returns the spec's path.
func (c *cluster) applyHello(name, extra string) string {
	c.t.Helper()
	c.stage(name, "../examples/hello")
	spec := c.writeSpec(name, fmt.Sprintf(`site %q {
  domains = ["%s.localhost"]
  app     = "."
  wsgi    = "app:application"
  health {
    path = "/healthz"
  }
  %s}
`, name, name, extra))
	c.mustRun("site", "apply", spec)
	return spec
}

// runningNodes are the names of the nodes running job's web instances.
// A lost server may have been the leader: the API answers 500 until a new
// one is elected, so a failing call is retried for a while.
func runningNodes(t *testing.T, nc *nomad.Client, job string) []string {
	t.Helper()
	var allocs []*nomad.AllocationListStub
	var err error
	for try := 0; try < 30; try++ {
		if allocs, _, err = nc.Jobs().Allocations(job, false, nil); err == nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range allocs {
		if a.TaskGroup == "web" && a.ClientStatus == nomad.AllocClientStatusRunning && a.DesiredStatus == nomad.AllocDesiredStatusRun {
			names = append(names, a.NodeName)
		}
	}
	return names
}

// nodesWithoutConsul names the Nomad clients on which Nomad places nothing
// with a service, since they have not seen their Consul agent.
func nodesWithoutConsul(t *testing.T, nc *nomad.Client) []string {
	t.Helper()
	stubs, _, err := nc.Nodes().List(nil)
	if err != nil {
		t.Fatal(err)
	}
	var without []string
	for _, s := range stubs {
		n, _, err := nc.Nodes().Info(s.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if n.Attributes["consul.version"] == "" {
			without = append(without, n.Name)
		}
	}
	return without
}

func getVia(router, host string) int {
	req, _ := http.NewRequest(http.MethodGet, router+"/", nil)
	req.Host = host
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func lineOf(text, word string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, word) {
			return l
		}
	}
	return ""
}

// moveNomadLeaderOff hands the Nomad leadership to another server when
// node k's holds it.
func moveNomadLeaderOff(t *testing.T, cfg devcluster.Config, nc *nomad.Client, k int) {
	t.Helper()
	if leaderNode(t, cfg, func() (string, error) { return nc.Status().Leader() }) != k {
		return
	}
	to := 1
	for to == k {
		to++
	}
	addr := net.JoinHostPort(cfg.NodeAddr(to), strconv.Itoa(cfg.Ports.NomadRPC))
	if err := nc.Operator().RaftTransferLeadershipByAddress(addr, nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("moved the Nomad leader off node %d, to node %d", k, to)
	waitFor(t, 30*time.Second, "the Nomad leader off the node to lose", func() bool {
		l, err := nc.Status().Leader()
		n := nodeOfAddr(cfg, l)
		return err == nil && n != 0 && n != k
	})
	// The new leader, too, starts every client's timer at the failover
	// TTL; a client is back on its usual TTL (2-4 s) from its next
	// heartbeat, which the API does not show.
	time.Sleep(8 * time.Second)
}

// leaderNode is the node whose server leads, from "ADDR:PORT".
func leaderNode(t *testing.T, cfg devcluster.Config, leader func() (string, error)) int {
	t.Helper()
	l, err := leader()
	if err != nil {
		t.Fatal(err)
	}
	k := nodeOfAddr(cfg, l)
	if k == 0 {
		t.Fatalf("leader %q is none of the nodes", l)
	}
	return k
}

func nodeOfAddr(cfg devcluster.Config, hostPort string) int {
	host, _, err := net.SplitHostPort(hostPort)
	if err != nil {
		return 0
	}
	for k := 1; k <= cfg.NodeCount(); k++ {
		if cfg.NodeAddr(k) == host {
			return k
		}
	}
	return 0
}

func (c *cluster) nomadAt(addr string) *nomad.Client {
	c.t.Helper()
	nc, err := nomad.NewClient(&nomad.Config{Address: addr, SecretID: c.tokens.NomadManagement.SecretID})
	if err != nil {
		c.t.Fatal(err)
	}
	return nc
}

func (c *cluster) consulAt(addr string) *consul.Client {
	c.t.Helper()
	cc, err := consul.NewClient(&consul.Config{Address: addr, Token: c.tokens.ConsulManagement.SecretID})
	if err != nil {
		c.t.Fatal(err)
	}
	return cc
}

// runEnv runs hostctl with extra environment variables over the cluster's.
func (c *cluster) runEnv(extra []string, args ...string) (string, error) {
	saved := c.env
	c.env = append(append([]string(nil), c.env...), extra...)
	defer func() { c.env = saved }()
	return c.run(args...)
}

func getBodyVia(router, host, path string) (int, string) {
	req, _ := http.NewRequest(http.MethodGet, router+path, nil)
	req.Host = host
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

type mediaFile struct {
	data     []byte
	mode     os.FileMode
	uid, gid uint32
}

// writeMediaFiles fills a site's media dir with files of several sizes,
// owned as the site's own uploads are, and returns them by name.
func writeMediaFiles(t *testing.T, dir string) map[string]mediaFile {
	t.Helper()
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	for name, size := range map[string]int{"a.bin": 1 << 20, "b.bin": 3<<20 + 7, "small.txt": 12} {
		b := make([]byte, size)
		if _, err := rand.Read(b); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o640); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, int(st.Uid), int(st.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	return mediaFiles(t, dir)
}

func mediaFiles(t *testing.T, dir string) map[string]mediaFile {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]mediaFile{}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		fi, err := os.Lstat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		out[e.Name()] = mediaFile{data: b, mode: fi.Mode(), uid: st.Uid, gid: st.Gid}
	}
	return out
}

func equalFiles(a, b map[string]mediaFile) bool {
	if len(a) != len(b) {
		return false
	}
	for k, x := range a {
		y, ok := b[k]
		if !ok || !bytes.Equal(x.data, y.data) || x.mode != y.mode || x.uid != y.uid || x.gid != y.gid {
			return false
		}
	}
	return true
}

func totalBytes(m map[string]mediaFile) int {
	n := 0
	for _, f := range m {
		n += len(f.data)
	}
	return n
}

// waitServersHealthy waits until Consul's and Nomad's autopilot call every
// server healthy and a voter.
func waitServersHealthy(t *testing.T, nc *nomad.Client, cc *consul.Client) {
	t.Helper()
	t0 := time.Now()
	waitFor(t, 2*time.Minute, "three healthy voting servers in Consul and Nomad", func() bool {
		ch, err := cc.Operator().AutopilotServerHealth(nil)
		if err != nil || !ch.Healthy || len(ch.Servers) != 3 {
			return false
		}
		for _, s := range ch.Servers {
			if !s.Voter {
				return false
			}
		}
		nh, _, err := nc.Operator().AutopilotServerHealth(nil)
		if err != nil || !nh.Healthy || len(nh.Servers) != 3 {
			return false
		}
		for _, s := range nh.Servers {
			if !s.Voter {
				return false
			}
		}
		return true
	})
	t.Logf("servers healthy after %s", time.Since(t0).Round(100*time.Millisecond))
}
