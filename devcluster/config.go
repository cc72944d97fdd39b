// Package devcluster starts and stops a one-machine hostctl cluster — a
// Consul server, a Nomad server+client and the hostctl router — under one
// state directory, for `hostctl dev` and for the integration tests. Nothing
// in the production path depends on it.
package devcluster

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hostctl/hostctl/sandbox"
)

// Ports are the loopback ports the cluster listens on. The defaults are the
// upstream ones so the stock nomad and consul CLIs work without flags; tests
// pick free ports so they never collide with a running demo.
type Ports struct {
	ConsulHTTP    int `json:"consul_http"`
	ConsulServer  int `json:"consul_server"`
	ConsulSerfLAN int `json:"consul_serf_lan"`
	NomadHTTP     int `json:"nomad_http"`
	NomadRPC      int `json:"nomad_rpc"`
	NomadSerf     int `json:"nomad_serf"`
	Router        int `json:"router"`
	RouterAdmin   int `json:"router_admin"`
	Postgres      int `json:"postgres"`
}

// DefaultPorts are used by `hostctl dev up` unless told otherwise.
var DefaultPorts = Ports{
	ConsulHTTP: 8500, ConsulServer: 8300, ConsulSerfLAN: 8301,
	NomadHTTP: 4646, NomadRPC: 4647, NomadSerf: 4648,
	Router: 8080, RouterAdmin: 8081,
	// Not 5432: that is the system Postgres's, which the dev cluster
	// leaves alone.
	Postgres: 5433,
}

// Config is everything `up` needs; it is saved in the state dir so `down`
// and `status` act on the cluster that was started, whatever flags they get.
type Config struct {
	StateDir   string `json:"state_dir"`
	NomadBin   string `json:"nomad_bin"`
	ConsulBin  string `json:"consul_bin"`
	HostctlBin string `json:"hostctl_bin"`
	Ports      Ports  `json:"ports"`
	// Nodes is how many simulated nodes run (0 means 1), NodeNet where their
	// addresses are (DefaultNodeNet if empty): see nodes.go.
	Nodes   int    `json:"nodes,omitempty"`
	NodeNet string `json:"node_net,omitempty"`
}

// Addr is the loopback address a one-node cluster binds to (and the dev
// Postgres, whatever the nodes): the dev cluster is never reachable from
// another machine. Several nodes bind to NodeAddr(k), loopback too.
const Addr = "127.0.0.1"

func (c Config) path(parts ...string) string {
	return filepath.Join(append([]string{c.StateDir}, parts...)...)
}

func (c Config) configFile() string { return c.path("cluster.json") }

// ConsulAddr, NomadAddr and RouterURL are what clients use to reach the
// cluster.
// They are node 1's.
func (c Config) ConsulAddr() string { return c.NodeConsulAddr(1) }
func (c Config) NomadAddr() string  { return c.NodeNomadAddr(1) }
func (c Config) RouterURL() string  { return c.NodeRouterURL(1) }
func (c Config) RouterAdminURL() string {
	return c.nodeRouterAdminURL(1)
}

func (c Config) nodeRouterAdminURL(k int) string {
	return "http://" + c.NodeAddr(k) + ":" + strconv.Itoa(c.Ports.RouterAdmin)
}

// SourceRoot is the operator's source tree of the dev cluster: site S's
// local code is SourceRoot/S (see the site spec's `app`). The launcher
// copies from it as root, so it is root's; a site dir in it may be 0700.
func (c Config) SourceRoot() string { return c.path("sources") }

// AdminTokenFile holds the bearer token the router's /metrics (and pprof,
// if on) require: sites share the node's loopback with the admin port.
func (c Config) AdminTokenFile() string { return c.path("etc", "router-admin.token") }

// nomadDataDir holds the allocation and task directories. Tasks run as
// per-site users, so it and every directory above it must be traversable
// (o+x) but not listable by others.
func (c Config) nomadDataDir() string { return c.nomadDataDirOf(1) }

// LoadConfig reads the config a previous `up` saved in stateDir.
func LoadConfig(stateDir string) (Config, error) {
	var c Config
	b, err := os.ReadFile(filepath.Join(stateDir, "cluster.json"))
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("%s: %w", filepath.Join(stateDir, "cluster.json"), err)
	}
	return c, nil
}

func (c Config) save() error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(c.configFile(), append(b, '\n'), 0o600)
}

// prepareDirs creates the state layout. The state dir and the Nomad data
// dir are 0711: site users must pass through to their task dirs, but may not
// list who else is hosted here.
func (c Config) prepareDirs() error {
	type dir struct {
		path string
		mode fs.FileMode
	}
	dirs := []dir{
		{c.StateDir, 0o711}, {c.nomadDataDir(), 0o711}, {c.SourceRoot(), 0o755},
		{c.path("consul"), 0o700}, {c.path("etc"), 0o700}, {c.path("log"), 0o700}, {c.path("run"), 0o700},
	}
	for k := 2; k <= c.NodeCount(); k++ {
		dirs = append(dirs, dir{c.path("nodes"), 0o711}, dir{c.nodeDir(k), 0o711},
			dir{c.nomadDataDirOf(k), 0o711}, dir{c.consulDataDir(k), 0o700})
	}
	for _, d := range dirs {
		if err := os.MkdirAll(d.path, d.mode); err != nil {
			return err
		}
		if err := os.Chmod(d.path, d.mode); err != nil {
			return err
		}
	}
	return checkTraversable(c.nomadDataDir())
}

// checkTraversable fails early, with the directory to blame, when a site
// user could not reach its task dir: Nomad would otherwise report an opaque
// "permission denied" from inside the task much later.
func checkTraversable(dir string) error {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("site processes could not reach their task directories: %s is mode %04o (needs o+x); choose a --state-dir outside it", d, fi.Mode().Perm())
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

// Validate checks that the binaries exist before anything is started.
func (c Config) Validate() error {
	var errs []error
	for name, p := range map[string]string{"nomad": c.NomadBin, "consul": c.ConsulBin, "hostctl": c.HostctlBin} {
		if fi, err := os.Stat(p); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			errs = append(errs, fmt.Errorf("%s binary %q is missing or not executable (run scripts/bootstrap)", name, p))
		}
	}
	// The missing case is reported above.
	if err := sandbox.CheckStatic(c.HostctlBin); err != nil && !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, fmt.Errorf("the launcher Nomad runs for every site: %w", err))
	}
	if err := c.validateNodes(); err != nil {
		errs = append(errs, err)
	}
	if !filepath.IsAbs(c.StateDir) {
		errs = append(errs, fmt.Errorf("state dir %q must be an absolute path", c.StateDir))
	}
	return errors.Join(errs...)
}

// PortsFrom lays the cluster's ports out consecutively from base, so tests
// and a second cluster need only one number to stay out of each other's way.
func PortsFrom(base int) Ports {
	return Ports{
		ConsulHTTP: base, ConsulServer: base + 1, ConsulSerfLAN: base + 2,
		NomadHTTP: base + 3, NomadRPC: base + 4, NomadSerf: base + 5,
		Router: base + 6, RouterAdmin: base + 7, Postgres: base + 8,
	}
}

// ensureAdminToken makes the router's admin token once per state dir.
func (c Config) ensureAdminToken() error {
	if _, err := os.Stat(c.AdminTokenFile()); err == nil {
		return nil
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	return os.WriteFile(c.AdminTokenFile(), []byte(hex.EncodeToString(b)+"\n"), 0o600)
}

// AdminToken is the router admin token, for tests and operators.
func (c Config) AdminToken() (string, error) {
	b, err := os.ReadFile(c.AdminTokenFile())
	return strings.TrimSpace(string(b)), err
}
