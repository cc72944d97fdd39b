package devcluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	consul "github.com/hashicorp/consul/api"
	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/acls"
	"github.com/hostctl/hostctl/provisioner"
	"github.com/hostctl/hostctl/siteops"
)

// component is one long-running process of the cluster.
type component struct {
	name  string
	node  int
	start func(Config, int) (*exec.Cmd, error)
	ready func(context.Context, Config, int, *probes) error
	// dataDir, if set, is wiped before the component starts on a cluster
	// that is starting afresh: `down` stops every site, so a dev cluster has
	// no state worth keeping, and stale state costs time (a restarted Nomad
	// client's old node identity is refused for ~20 s) and misleads
	// readiness checks. A node of several restarted on its own keeps its
	// state, as a rebooted machine does, and rejoins.
	dataDir func(Config, int) string
}

// tier is components started together: servers of a Raft cluster elect a
// leader only once enough of them run.
type tier struct {
	comps []component
	// setup, if set, runs once the tier's first component is ready, before
	// the others are waited for (the ACL set-up they need).
	setup func(context.Context, Config, *probes) error
}

// tiers are the cluster's components in start order: every node's Consul
// agent, Postgres, every node's Nomad agent, the routers.
func (c Config) tiers() []tier {
	consulT := tier{setup: setUpConsulACLs}
	nomadT := tier{setup: setUpNomad}
	for k := 1; k <= c.NodeCount(); k++ {
		consulT.comps = append(consulT.comps, component{name: compName("consul", k), node: k,
			start: consulCmd, ready: consulReady, dataDir: Config.consulDataDir})
		nomadT.comps = append(nomadT.comps, component{name: compName("nomad", k), node: k,
			start: nomadCmd, ready: nomadReady, dataDir: Config.nomadDataDirOf})
	}
	var routerT tier
	for k := 1; k <= c.RouterCount(); k++ {
		routerT.comps = append(routerT.comps, component{name: compName("router", k), node: k, start: routerCmd, ready: routerReady})
	}
	pgT := tier{comps: []component{{name: "postgres", node: 1, start: postgresCmd, ready: postgresReady}}}
	return []tier{consulT, pgT, nomadT, routerT}
}

// components are every tier's, in start order.
func (c Config) components() []component {
	var all []component
	for _, t := range c.tiers() {
		all = append(all, t.comps...)
	}
	return all
}

func consulCmd(c Config, k int) (*exec.Cmd, error) {
	return agentCmd(c, k, c.ConsulBin, "agent", "-config-file", c.consulConfigFile(k)), nil
}

func nomadCmd(c Config, k int) (*exec.Cmd, error) {
	return agentCmd(c, k, c.NomadBin, "agent", "-config", c.nomadConfigFile(k)), nil
}

// agentCmd runs an agent in its node's dir: helpers the agents spawn
// (Nomad's logmon, say) inherit that working directory, which is how
// `down` and KillNode recognise them as this cluster's and this node's.
func agentCmd(c Config, k int, bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Dir = c.nodeDir(k)
	cmd.Env = agentEnv()
	return cmd
}

// routerCmd runs node k's router with its own Consul and Nomad tokens (read
// from files, so they are not in the environment), talking to its node's
// agents, serving static files and media only from the sites' own dirs in
// the source tree and the media stores, its metrics only with the admin
// token. Node 1's router puts idle sites to sleep: one sleeper is enough,
// and every router's traffic counts (package sleep).
func routerCmd(c Config, k int) (*exec.Cmd, error) {
	t, err := c.Tokens()
	if err != nil {
		return nil, err
	}
	tokenFile := c.path("etc", "router-consul.token")
	if err := os.WriteFile(tokenFile, []byte(t.Router.SecretID+"\n"), 0o600); err != nil {
		return nil, err
	}
	nomadTokenFile := c.path("etc", "router-nomad.token")
	if err := os.WriteFile(nomadTokenFile, []byte(t.NomadRouter.SecretID+"\n"), 0o600); err != nil {
		return nil, err
	}
	args := []string{"--consul-addr", c.NodeConsulAddr(k), "--nomad-addr", c.NodeNomadAddr(k), "router", "run",
		"--listen", c.NodeAddr(k) + ":" + strconv.Itoa(c.Ports.Router),
		"--admin-listen", c.NodeAddr(k) + ":" + strconv.Itoa(c.Ports.RouterAdmin),
		"--static-root", c.SourceRoot(),
		"--admin-token-file", c.AdminTokenFile(),
		"--nomad-token-file", nomadTokenFile, "--router-id", compName("dev", k),
		// A second, not five: a dev machine tries sleep_after times far
		// shorter than production's minute.
		"--activity-interval", "1s"}
	for n := 1; n <= c.NodeCount(); n++ {
		args = append(args, "--static-root", c.NodeMediaRoot(n))
	}
	for s := 1; s <= c.serverCount(); s++ {
		// The servers, should the node's own agent die with a leader.
		if s != k {
			args = append(args, "--consul-fallback", c.NodeConsulAddr(s))
		}
	}
	if k == 1 {
		args = append(args, "--sleeper")
	}
	cmd := exec.Command(c.HostctlBin, args...)
	cmd.Dir = c.StateDir
	cmd.Env = agentEnv("CONSUL_HTTP_TOKEN_FILE=" + tokenFile)
	return cmd, nil
}

// setUpConsulACLs makes every Consul policy and token the other components
// need (Nomad's token is already in its config) and the auth method that
// trusts Nomad's workload identities.
func setUpConsulACLs(ctx context.Context, c Config, p *probes) error {
	t, err := c.Tokens()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, ReadyTimeout)
	defer cancel()
	if err := acls.WaitConsulACLs(ctx, p.consul); err != nil {
		return err
	}
	if err := acls.SetUpConsul(ctx, p.consul, t); err != nil {
		return err
	}
	// Node 1's agent was ready before the tokens existed.
	return waitReady(ctx, c, p, component{name: compName("consul", 1), node: 1, ready: nomadSeesConsul})
}

// nomadSeesConsul: node k's Consul agent answers its Nomad client's own
// token. A restarted server resolves tokens only once it has caught up
// with the leader, and until then answers 403. A Nomad client that
// fingerprints it then starts without attr.consul.version, so nothing
// with a service is placed there until its next try, 15 s on.
func nomadSeesConsul(ctx context.Context, c Config, k int, p *probes) error {
	cc, ok := p.nomadConsul[k]
	if !ok {
		var err error
		cc, err = consul.NewClient(&consul.Config{Address: c.NodeConsulAddr(k), Scheme: "http", Token: p.tokens.NomadConsul.SecretID})
		if err != nil {
			return err
		}
		p.nomadConsul[k] = cc
	}
	if _, err := cc.Agent().Self(); err != nil {
		return fmt.Errorf("node %s's Consul agent does not answer Nomad's token yet: %w", c.NodeName(k), err)
	}
	return nil
}

// setUpNomad lets Nomad register sites' services in Consul, each with a
// token good for its own job's name only, and configures its scheduler.
func setUpNomad(ctx context.Context, c Config, p *probes) error {
	if err := trustNomad(ctx, c, p); err != nil {
		return err
	}
	if err := configureScheduler(ctx, p.nomad); err != nil {
		return fmt.Errorf("configuring Nomad's scheduler: %w", err)
	}
	return nil
}

func trustNomad(ctx context.Context, c Config, p *probes) error {
	t := p.tokens
	if err := acls.SetUpNomad(ctx, p.nomad, &t); err != nil {
		return err
	}
	if t.NomadRouter != p.tokens.NomadRouter {
		if err := t.Save(c.TokensFile()); err != nil {
			return err
		}
		p.tokens = t
	}
	return acls.TrustNomad(ctx, p.consul, c.NomadAddr()+"/.well-known/jwks.json")
}

func (c Config) pidFile(name string) pidFile { return pidFile(c.path("run", name+".pid")) }
func (c Config) logFile(name string) string  { return c.path("log", name+".log") }

// ReadyTimeout bounds how long `up` waits for each component.
var ReadyTimeout = 90 * time.Second

// Up starts whatever part of the cluster is not already running and waits
// until each part is healthy. Running it again is harmless: components that
// are up are left alone. If a component fails to become ready, Up stops the
// ones it started in this call and returns the tail of the failing log.
func Up(ctx context.Context, c Config, out io.Writer) (err error) {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := c.prepareDirs(); err != nil {
		return err
	}
	if err := c.save(); err != nil {
		return err
	}
	sec, err := c.ensureSecrets()
	if err != nil {
		return err
	}
	if err := c.writeAgentConfigs(sec); err != nil {
		return err
	}
	if err := c.addNodeAddrs(out); err != nil {
		return err
	}
	if err := c.mountMedia(out); err != nil {
		return err
	}
	if err := c.ensureAdminToken(); err != nil {
		return err
	}
	probe, err := c.newProbes()
	if err != nil {
		return err
	}
	fresh := !AnyRunning(c)
	var started []string
	defer func() {
		if err != nil {
			for i := len(started) - 1; i >= 0; i-- {
				_ = c.pidFile(started[i]).stop(10 * time.Second)
			}
		}
	}()
	for _, t := range c.tiers() {
		for _, comp := range t.comps {
			if p, ok := c.pidFile(comp.name).running(); ok {
				fmt.Fprintf(out, "%-9s already running (pid %d)\n", comp.name, p.pid)
				continue
			}
			if comp.dataDir != nil && (fresh || !c.multi()) {
				if err := c.resetDataDir(comp.dataDir(c, comp.node), out); err != nil {
					return err
				}
			}
			cmd, err := comp.start(c, comp.node)
			if err != nil {
				return fmt.Errorf("%s: %w", comp.name, err)
			}
			p, err := startCmdDetached(c.pidFile(comp.name), c.logFile(comp.name), cmd)
			if err != nil {
				return err
			}
			started = append(started, comp.name)
			fmt.Fprintf(out, "%-9s started (pid %d), log %s\n", comp.name, p.pid, c.logFile(comp.name))
		}
		for i, comp := range t.comps {
			t0 := time.Now()
			// Postgres's admin URL is recorded when it starts.
			probe.pgAdminURL = c.PGAdminURL()
			if err := waitReady(ctx, c, probe, comp); err != nil {
				return fmt.Errorf("%s did not become ready: %w\n--- last lines of %s ---\n%s", comp.name, err, c.logFile(comp.name), tail(c.logFile(comp.name), 20))
			}
			fmt.Fprintf(out, "%-9s ready in %s\n", comp.name, time.Since(t0).Round(10*time.Millisecond))
			if i == 0 && t.setup != nil {
				if err := t.setup(ctx, c, probe); err != nil {
					return fmt.Errorf("setting up %s: %w", comp.name, err)
				}
			}
		}
	}
	return nil
}

// configureScheduler packs sites densely (binpack) and lets a site burst
// above its reserved memory up to its memory_max, which Nomad ignores
// unless oversubscription is switched on cluster-wide.
func configureScheduler(ctx context.Context, nc *nomad.Client) error {
	cur, _, err := nc.Operator().SchedulerGetConfiguration((&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return err
	}
	conf := cur.SchedulerConfig
	if conf.MemoryOversubscriptionEnabled && conf.SchedulerAlgorithm == nomad.SchedulerAlgorithmBinpack {
		return nil
	}
	conf.MemoryOversubscriptionEnabled = true
	conf.SchedulerAlgorithm = nomad.SchedulerAlgorithmBinpack
	_, _, err = nc.Operator().SchedulerSetConfiguration(conf, (&nomad.WriteOptions{}).WithContext(ctx))
	return err
}

func waitReady(ctx context.Context, c Config, p *probes, comp component) error {
	ctx, cancel := context.WithTimeout(ctx, ReadyTimeout)
	defer cancel()
	var last error
	for {
		if _, ok := c.pidFile(comp.name).running(); !ok {
			return errors.New("the process exited")
		}
		if last = comp.ready(ctx, c, comp.node, p); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last check: %v)", ctx.Err(), last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// resetDataDir empties a component's data dir, first clearing up after a
// previous run that ended without `down` (a crash, a reboot): its task
// processes and tmpfs mounts would otherwise outlive the wipe.
func (c Config) resetDataDir(dir string, out io.Writer) error {
	if pids := c.leftovers(); len(pids) > 0 {
		fmt.Fprintf(out, "killing %d task process(es) left by an earlier run: %v\n", len(pids), pids)
		if left := c.killLeftovers(pids); len(left) > 0 {
			return fmt.Errorf("processes still running after SIGKILL: %v", left)
		}
	}
	if _, err := c.unmountAll(); err != nil {
		return err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.Mkdir(dir, fi.Mode().Perm()); err != nil {
		return err
	}
	return os.Chmod(dir, fi.Mode().Perm()) // Mkdir's mode is filtered by the umask
}

// Down drains every job (so Nomad stops the sites' processes), stops the
// router, Nomad and Consul, and then makes sure no process the cluster
// started is left. The state dir is kept unless purge is set.
func Down(ctx context.Context, c Config, out io.Writer, purge bool) error {
	var errs []error
	if _, ok := c.pidFile("nomad").running(); ok {
		if n, err := drainJobs(ctx, c); err != nil {
			errs = append(errs, fmt.Errorf("stopping jobs: %w", err))
		} else if n > 0 {
			fmt.Fprintf(out, "stopped %d job(s)\n", n)
		}
	}
	comps := c.components()
	for i := len(comps) - 1; i >= 0; i-- {
		name := comps[i].name
		if p, ok := c.pidFile(name).running(); ok {
			if err := c.pidFile(name).stop(20 * time.Second); err != nil {
				errs = append(errs, err)
			} else {
				fmt.Fprintf(out, "%-7s stopped (pid %d)\n", name, p.pid)
			}
		}
	}
	if pids := c.leftovers(); len(pids) > 0 {
		fmt.Fprintf(out, "killing %d leftover task process(es): %v\n", len(pids), pids)
		if left := c.killLeftovers(pids); len(left) > 0 {
			errs = append(errs, fmt.Errorf("processes still running after SIGKILL: %v", left))
		}
	}
	// Nomad mounts a small tmpfs for each task's secrets and private dirs
	// and only removes them when it garbage-collects the allocation, which a
	// stopped agent never does.
	if n, err := c.unmountAll(); err != nil {
		errs = append(errs, err)
	} else if n > 0 {
		fmt.Fprintf(out, "unmounted %d task tmpfs mount(s)\n", n)
	}
	if err := c.unmountMedia(out); err != nil {
		errs = append(errs, err)
	}
	if err := c.removeNodeAddrs(out); err != nil {
		errs = append(errs, err)
	}
	if purge && len(errs) == 0 {
		if err := os.RemoveAll(c.StateDir); err != nil {
			errs = append(errs, err)
		} else {
			fmt.Fprintf(out, "removed %s\n", c.StateDir)
		}
	}
	return errors.Join(errs...)
}

// drainJobs destroys every job the way `site destroy` does (package
// siteops): stopped, waited for until its processes have exited, then
// purged, so nothing of a site outlives Nomad.
func drainJobs(ctx context.Context, c Config) (int, error) {
	nc, err := c.NomadClient()
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	// No provisioner and no router: down keeps sites' data and waits for
	// no routes.
	return siteops.New(nc, nil, provisioner.Config{}, "", io.Discard).DestroyAll(ctx)
}

// AnyRunning reports whether any component recorded in c's state dir is
// still the process that was started.
func AnyRunning(c Config) bool {
	for _, comp := range c.components() {
		if _, ok := c.pidFile(comp.name).running(); ok {
			return true
		}
	}
	return false
}

// ComponentStatus is what `hostctl dev status` reports for one component.
type ComponentStatus struct {
	Name    string `json:"name"`
	PID     int    `json:"pid,omitempty"`
	Running bool   `json:"running"`
	Healthy bool   `json:"healthy"`
	Detail  string `json:"detail,omitempty"`
}

// Status reports, for each component, whether its process runs and whether
// its health check passes right now.
func Status(ctx context.Context, c Config) []ComponentStatus {
	var out []ComponentStatus
	probes, probeErr := c.newProbes()
	for _, comp := range c.components() {
		s := ComponentStatus{Name: comp.name}
		if p, ok := c.pidFile(comp.name).running(); ok {
			s.Running, s.PID = true, p.pid
			err := probeErr
			if err == nil {
				cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
				err = comp.ready(cctx, c, comp.node, probes)
				cancel()
			}
			if err != nil {
				s.Detail = err.Error()
			} else {
				s.Healthy = true
			}
		} else {
			s.Detail = "not running"
		}
		out = append(out, s)
	}
	return out
}

// NomadClient and ConsulClient talk to this cluster's agents as the
// operator (the management tokens), once `up` has made them.
func (c Config) NomadClient() (*nomad.Client, error) {
	t, _ := c.Tokens()
	return nomad.NewClient(&nomad.Config{Address: c.NomadAddr(), SecretID: t.NomadManagement.SecretID})
}

func (c Config) ConsulClient() (*consul.Client, error) {
	t, _ := c.Tokens()
	return consul.NewClient(&consul.Config{Address: c.ConsulAddr(), Scheme: "http", Token: t.ConsulManagement.SecretID})
}

// probes holds one client per agent for the readiness checks. They are
// made once per operation: a client per probe would leave a keep-alive
// connection behind every 200 ms until Nomad's per-IP limit refuses more.
type probes struct {
	nomad      *nomad.Client
	consul     *consul.Client
	tokens     acls.Tokens
	pgAdminURL string
	// nomadConsul holds, per node, a client of its Consul agent with the
	// token that node's Nomad client uses.
	nomadConsul map[int]*consul.Client
}

func (c Config) newProbes() (*probes, error) {
	n, err := c.NomadClient()
	if err != nil {
		return nil, err
	}
	cc, err := c.ConsulClient()
	if err != nil {
		return nil, err
	}
	t, _ := c.Tokens()
	return &probes{nomad: n, consul: cc, tokens: t, pgAdminURL: c.PGAdminURL(), nomadConsul: map[int]*consul.Client{}}, nil
}

// consulReady: node 1's agent sees a leader; any other node is a live
// member (its serfHealth passes), which needs the ACL set-up first, and
// answers its Nomad client's token (node 1's does once the set-up ran).
func consulReady(ctx context.Context, c Config, k int, p *probes) error {
	q := (&consul.QueryOptions{}).WithContext(ctx)
	if k == 1 {
		leader, err := p.consul.Status().LeaderWithQueryOptions(q)
		if err != nil {
			return err
		}
		if leader == "" {
			return errors.New("no Consul leader yet")
		}
		return nil
	}
	checks, _, err := p.consul.Health().Node(c.NodeName(k), q)
	if err != nil {
		return err
	}
	for _, ch := range checks {
		if ch.CheckID == "serfHealth" && ch.Status == consul.HealthPassing {
			return nomadSeesConsul(ctx, c, k, p)
		}
	}
	return fmt.Errorf("node %s is not a live Consul member yet", c.NodeName(k))
}

// nomadReady: Nomad has a leader, its ACLs are bootstrapped, and node k's
// client is ready with a healthy raw_exec driver.
func nomadReady(ctx context.Context, c Config, k int, p *probes) error {
	q := (&nomad.QueryOptions{}).WithContext(ctx)
	if leader, err := p.nomad.Status().Leader(); err != nil || leader == "" {
		return fmt.Errorf("no Nomad leader yet (%v)", err)
	}
	// The first leader turns ACLs on with the operator's token; until
	// then nothing below answers.
	bctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := acls.BootstrapNomad(bctx, p.nomad, p.tokens); err != nil {
		return err
	}
	nodes, _, err := p.nomad.Nodes().List(q)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		if d, ok := n.Drivers["raw_exec"]; n.Name == c.NodeName(k) && n.Status == "ready" && ok && d.Healthy {
			return nil
		}
	}
	return fmt.Errorf("node %s is not a ready Nomad client with a healthy raw_exec driver yet", c.NodeName(k))
}

func routerReady(ctx context.Context, c Config, k int, _ *probes) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.nodeRouterAdminURL(k)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("router /healthz: %s %s", resp.Status, strings.TrimSpace(string(b)))
	}
	return nil
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
