// Command sites benchmarks site deployment on a real one-machine dev
// cluster: apply-to-routable latency for new sites applied one by one,
// bulk apply throughput, and the memory each warm site costs (PSS, split
// into the site's own gunicorn processes and the platform's per-site
// helpers). It prints a Markdown report for docs/benchmarks.md.
//
//	CGO_ENABLED=0 go build -o bin/hostctl ./cmd/hostctl && go run ./bench/sites -hostctl bin/hostctl
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"time"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/accounts"
	"github.com/hostctl/hostctl/deploy"
	"github.com/hostctl/hostctl/devcluster"
	"github.com/hostctl/hostctl/internal/toolcache"
	"github.com/hostctl/hostctl/jobs"
)

func main() {
	hostctl := flag.String("hostctl", "bin/hostctl", "hostctl binary (router and launcher)")
	sequential := flag.Int("sequential", 20, "sites applied one by one for the latency figures")
	bulk := flag.Int("bulk", 200, "sites applied at once for the throughput and memory figures")
	parallel := flag.Int("parallel", 8, "concurrent registrations during the bulk apply")
	memory := flag.String("memory", "48MiB", "memory reserved per site instance")
	memoryMax := flag.String("memory-max", "", "memory_max per site instance (empty: none)")
	fillOn := flag.Bool("fill", false, "after the bulk apply, keep adding sites until the node refuses or memory runs low")
	fillStep := flag.Int("fill-step", 50, "sites added per fill batch")
	fillFloor := flag.Int64("fill-floor-mib", 2048, "MemAvailable (MiB) the fill leaves free: it stops before the kernel has to")
	fillBatch := flag.Duration("fill-batch-limit", 8*time.Minute, "a fill batch whose sites are not all routable within this ends the fill (the node cannot start more)")
	cpu := flag.Int("cpu", 10, "CPU (MHz) reserved per site instance")
	portBase := flag.Int("port-base", 18500, "dev cluster ports")
	flag.Parse()

	ctx := context.Background()
	bin, _ := filepath.Abs(*hostctl)
	state, err := os.MkdirTemp("/tmp", "hostctl-bench-")
	check(err)
	check(os.Chmod(state, 0o711))
	cfg := devcluster.Config{
		StateDir: state, HostctlBin: bin, Ports: devcluster.PortsFrom(*portBase),
		NomadBin:  toolcache.Path("nomad"),
		ConsulBin: toolcache.Path("consul"),
	}
	// Whatever fails from here (check panics), the cluster comes down:
	// a bench that exits with its agents running blocks the next run's
	// ports and leaves a mounted loop device behind.
	defer func() {
		failure := recover()
		dctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if err := devcluster.Down(dctx, cfg, os.Stderr, true); err != nil {
			log.Print(err)
		}
		if failure != nil {
			log.Fatal(failure)
		}
	}()
	check(devcluster.Up(ctx, cfg, os.Stderr))
	nc, err := cfg.NomadClient()
	check(err)
	code, err := os.ReadFile("examples/hello/app.py")
	check(err)
	app := appSource{root: cfg.SourceRoot(), code: code}

	r := report{memory: *memory, memoryMax: *memoryMax, cpu: *cpu, bulk: *bulk}
	for i := range *sequential {
		s := site(fmt.Sprintf("seq%03d", i), app, *memory, *memoryMax, *cpu)
		t0 := time.Now()
		uid, err := accounts.UID(ctx, nc, s.Name)
		check(err)
		check(deploy.Apply(ctx, nc, jobs.Render(s, uid), discard{}))
		check(waitRoutable(ctx, cfg.RouterURL(), s.Domains[0], 2*time.Minute))
		r.sequential = append(r.sequential, time.Since(t0))
		log.Printf("%s routable after %s", s.Name, r.sequential[i].Round(time.Millisecond))
	}

	newSite := func(name string) jobs.Site { return site(name, app, *memory, *memoryMax, *cpu) }
	t0 := time.Now()
	var failed []string
	for _, o := range registerAll(ctx, nc, cfg.RouterURL(), siteNames("bulk%03d", 0, *bulk), *parallel, newSite,
		func() time.Duration { return 15 * time.Minute }) {
		if err := errors.Join(o.regErr, o.routeErr); err != nil {
			failed = append(failed, o.name+": "+err.Error())
		}
	}
	r.bulkTime = time.Since(t0)
	r.bulkFailed = failed
	log.Printf("bulk: %d sites in %s, %d failed", *bulk, r.bulkTime.Round(time.Second), len(failed))

	if *fillOn {
		fc := fillConfig{step: *fillStep, floorMiB: *fillFloor, parallel: *parallel, batchLimit: *fillBatch, newSite: newSite}
		res := fill(ctx, nc, cfg, fc, *sequential+*bulk-len(failed))
		r.fill = &res
	}

	time.Sleep(10 * time.Second) // let workers settle before measuring memory
	r.mem = measure(state, cfg)
	r.node = nodeMemory(ctx, nc)
	fmt.Print(r.markdown())
}

func siteNames(format string, first, count int) []string {
	names := make([]string, count)
	for i := range names {
		names[i] = fmt.Sprintf(format, first+i)
	}
	return names
}

// appSource puts examples/hello into the cluster's source tree, once per
// site: local code comes only from SourceRoot/<site>.
type appSource struct {
	root string
	code []byte
}

func (a appSource) stage(site string) {
	dir := filepath.Join(a.root, site)
	check(os.MkdirAll(dir, 0o755))
	check(os.WriteFile(filepath.Join(dir, "app.py"), a.code, 0o644))
}

func site(name string, app appSource, memory, memoryMax string, cpu int) jobs.Site {
	app.stage(name)
	burst := ""
	if memoryMax != "" {
		burst = fmt.Sprintf("memory_max = %q", memoryMax)
	}
	src := fmt.Sprintf(`site %q {
  domains = ["%s.bench.localhost"]
  wsgi    = "app:application"
  process "web" {
    workers = 1
    memory  = %q
    %s
    cpu     = %d
  }
  health { path = "/healthz" }
}
`, name, name, memory, burst, cpu)
	sites, err := jobs.ParseSource(filepath.Join(app.root, name, "bench.hcl"), []byte(src), jobs.Options{SourceRoot: app.root})
	check(err)
	return sites[0]
}

func waitRoutable(ctx context.Context, router, host string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, router+"/", nil)
		req.Host = host
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s not routable after %s", host, limit)
}

func nodeMemory(ctx context.Context, nc *nomad.Client) string {
	nodes, _, err := nc.Nodes().List((&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil || len(nodes) == 0 {
		return "?"
	}
	n, _, err := nc.Nodes().Info(nodes[0].ID, (&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil || n.NodeResources == nil {
		return "?"
	}
	return fmt.Sprintf("%d MiB", n.NodeResources.Memory.MemoryMB)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func check(err error) {
	if err != nil {
		panic(err)
	}
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p*float64(len(s)-1) + 0.5)
	return s[i]
}

func mib(kb int64) string { return fmt.Sprintf("%.1f MiB", float64(kb)/1024) }
