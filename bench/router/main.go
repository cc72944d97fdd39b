// Command router benchmarks the hostctl router on a real dev cluster:
// requests/s and latency against nginx, HAProxy and Caddy proxying to the
// same loopback backend (driven by wrk, one proxy after another in the
// same run, at one core and at all cores), and, with 10,000 synthetic
// sites registered in the cluster's Consul, convergence after a health
// change, the router's RSS, and throughput at 10 vs 10,000 sites. It
// prints a Markdown report for docs/benchmarks.md.
//
//	bench/router/run   # installs wrk, nginx, haproxy, caddy if missing, then runs this
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hostctl/hostctl/devcluster"
	"github.com/hostctl/hostctl/internal/toolcache"
)

// failure carries a fatal error up through main's deferred clean-up, so
// a failed run never leaves a dev cluster or a proxy running.
type failure struct{ err error }

func main() {
	failed := false
	func() {
		defer func() {
			if r := recover(); r != nil {
				f, ok := r.(failure)
				if !ok {
					panic(r)
				}
				log.Print(f.err)
				failed = true
			}
		}()
		runBench()
	}()
	if failed {
		os.Exit(1)
	}
}

func runBench() {
	hostctl := flag.String("hostctl", "", "hostctl binary (built from this tree when empty)")
	duration := flag.Duration("duration", 10*time.Second, "each wrk run")
	conns := flag.Int("conns", 64, "wrk connections")
	rounds := flag.Int("rounds", 2, "interleaved rounds per proxy; the best is reported")
	sites := flag.Int("sites", 10000, "synthetic sites for the scale figures")
	proxies := flag.String("proxies", "hostctl,nginx,haproxy,caddy", "proxies to compare")
	portBase := flag.Int("port-base", 18600, "dev cluster ports")
	skipScale := flag.Bool("skip-scale", false, "only the proxy comparison")
	skipCompare := flag.Bool("skip-compare", false, "only the scale figures")
	pprofDir := flag.String("pprof", "", "save CPU profiles of the hostctl router under load here")
	flag.Parse()

	ctx := context.Background()
	work, err := os.MkdirTemp("/tmp", "hostctl-rbench-")
	check(err)
	check(os.Chmod(work, 0o711))
	defer os.RemoveAll(work)
	bin := *hostctl
	if bin == "" {
		bin = filepath.Join(work, "hostctl")
		// Static, as scripts/bootstrap builds it: the dev cluster refuses
		// a dynamically linked launcher.
		run("env", "CGO_ENABLED=0", "go", "build", "-o", bin, "./cmd/hostctl")
	}
	bin, _ = filepath.Abs(bin)
	cfg := devcluster.Config{
		StateDir: filepath.Join(work, "dev"), HostctlBin: bin, Ports: devcluster.PortsFrom(*portBase),
		NomadBin:  toolcache.Path("nomad"),
		ConsulBin: toolcache.Path("consul"),
	}
	check(os.MkdirAll(cfg.StateDir, 0o711))
	check(devcluster.Up(ctx, cfg, os.Stderr))
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if err := devcluster.Down(dctx, cfg, os.Stderr, true); err != nil {
			log.Print(err)
		}
	}()
	cc, err := cfg.ConsulClient()
	check(err)
	tokens, err := cfg.Tokens()
	check(err)

	b := &bench{work: work, hostctl: bin, consulAddr: cfg.ConsulAddr(), consul: cc, routerToken: tokens.Router.SecretID,
		duration: *duration, conns: *conns, rounds: *rounds, pprofDir: *pprofDir}
	defer b.stopAll()
	b.startBackend()
	rep := report{duration: *duration, conns: *conns, sites: *sites, started: time.Now()}

	// Ten sites first: the comparison runs against a small table.
	b.register(0, 10)
	if !*skipCompare {
		rep.compare = b.compare(strings.Split(*proxies, ","))
	}
	if !*skipScale {
		rep.scale = b.scale(*sites)
	}
	rep.finished = time.Now()
	fmt.Print(rep.markdown())
}

func check(err error) {
	if err != nil {
		panic(failure{err})
	}
}

func fatalf(format string, args ...any) { panic(failure{fmt.Errorf(format, args...)}) }
