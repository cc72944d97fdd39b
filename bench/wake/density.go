package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	consul "github.com/hashicorp/consul/api"

	"github.com/hostctl/hostctl/bench/internal/procmem"
	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/jobs"
	"github.com/hostctl/hostctl/sleep"
)

// densityResult is the many-sites-on-one-node part: sites registered
// asleep in batches through `hostctl site apply --asleep`, what the
// agents' memory grew by, some of them woken and kept awake, and how soon
// the router learns of a change in Consul at that size.
type densityResult struct {
	Registered int           `json:"registered"`
	Batches    []batchResult `json:"batches"`
	// Agents' PSS (KiB) with no site, and with every site registered
	// asleep (before any wake).
	AgentsEmptyKiB  map[string]int64 `json:"agents_empty_kib"`
	AgentsAsleepKiB map[string]int64 `json:"agents_asleep_kib"`
	PerSleepingKiB  float64          `json:"per_sleeping_site_kib"`
	// Awake is how many were woken (one request each, through the
	// router) and then all answered 200 at once.
	AwakeWanted     int              `json:"awake_wanted"`
	AwakeOK         int              `json:"awake_ok"`
	AwakeFailures   []string         `json:"awake_failures,omitempty"`
	WakeSeconds     float64          `json:"wake_seconds"`
	AgentsAwakeKiB  map[string]int64 `json:"agents_awake_kib"`
	SitesAwakeKiB   int64            `json:"sites_awake_kib"`
	MemAvailableMiB struct {
		Empty, Asleep, Awake int64
	} `json:"mem_available_mib"`
	// Learn is how long the router took to publish a table with a change
	// made in Consul, at this size: a site that fell asleep (its marker
	// appears) and a site that woke (a passing instance appears).
	LearnAsleep stats `json:"learn_asleep_ms"`
	LearnAwake  stats `json:"learn_awake_ms"`
}

type batchResult struct {
	Before  int     `json:"registered_before"`
	Sites   int     `json:"sites"`
	Seconds float64 `json:"seconds"`
}

// helloSpec is one bench site (the burst's and the density part's):
// examples/hello's app with one worker, sleeping after an hour (only the
// bench wakes them, and nothing puts them back to sleep while it
// measures), with resources small enough that hundreds fit the node's
// reservations.
func helloSpec(name string) string {
	return fmt.Sprintf(`site %q {
  domains     = ["%s.localhost"]
  app         = "."
  wsgi        = "app:application"
  sleep_after = "1h"
  process "web" {
    workers = 1
    memory  = "48MiB"
    cpu     = 10
  }
  health { path = "/healthz" }
}
`, name, name)
}

// stageApp puts hello's app.py in the source tree as site's code.
func (c *cluster) stageApp(site string, app []byte) {
	dir := filepath.Join(c.sourceRoot(), site)
	check(os.MkdirAll(dir, 0o755))
	check(os.WriteFile(filepath.Join(dir, "app.py"), app, 0o644))
}

func densityName(i int) string { return fmt.Sprintf("d%05d", i) }

func density(c *cluster, n, batch, awake, parallel int) densityResult {
	r := densityResult{AwakeWanted: awake}
	r.AgentsEmptyKiB = c.agentsPSS()
	r.MemAvailableMiB.Empty = memAvailableMiB()
	app, err := os.ReadFile("examples/hello/app.py")
	check(err)
	specs := filepath.Join(c.state, "..", "density")
	check(os.MkdirAll(specs, 0o755))
	for start := 0; start < n; start += batch {
		end := min(start+batch, n)
		var spec strings.Builder
		for i := start; i < end; i++ {
			name := densityName(i)
			c.stageApp(name, app)
			spec.WriteString(helloSpec(name))
		}
		file := filepath.Join(specs, fmt.Sprintf("batch-%05d.hcl", start))
		check(os.WriteFile(file, []byte(spec.String()), 0o644))
		t0 := time.Now()
		c.must("site", "apply", "--asleep", "--timeout", "30m", file)
		b := batchResult{Before: start, Sites: end - start, Seconds: time.Since(t0).Seconds()}
		r.Batches = append(r.Batches, b)
		log.Printf("density: %d sites registered asleep in %.1f s (%d before)", b.Sites, b.Seconds, b.Before)
	}
	r.Registered = n
	// Let Nomad's evaluations and Consul's writes settle before measuring.
	time.Sleep(10 * time.Second)
	r.AgentsAsleepKiB = c.agentsPSS()
	r.MemAvailableMiB.Asleep = memAvailableMiB()
	r.PerSleepingKiB = float64(sum(r.AgentsAsleepKiB)-sum(r.AgentsEmptyKiB)) / float64(n)

	r.LearnAsleep, r.LearnAwake = learnTimes(c, 20)

	t0 := time.Now()
	r.AwakeOK, r.AwakeFailures = wakeMany(c, awake, parallel)
	r.WakeSeconds = time.Since(t0).Seconds()
	time.Sleep(10 * time.Second)
	r.AgentsAwakeKiB = c.agentsPSS()
	r.SitesAwakeKiB = measureSites(c.state)
	r.MemAvailableMiB.Awake = memAvailableMiB()
	return r
}

// wakeMany sends one request to each of the first k density sites,
// parallel at a time (the router's wake rate limit paces them), then
// checks that all k answer 200 together: awake at once, not in turn.
func wakeMany(c *cluster, k, parallel int) (int, []string) {
	var next atomic.Int64
	var mu sync.Mutex
	var failures []string
	var wg sync.WaitGroup
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := newClient(1)
			for {
				i := int(next.Add(1)) - 1
				if i >= k {
					return
				}
				host := densityName(i) + ".localhost"
				var code int
				var err error
				// A 503 is the router's queue or rate limit speaking: the
				// wake was asked for; ask again a little later.
				for try := 0; try < 20; try++ {
					if code, _, err = timedGet(cl, c.routerURL(), host, "/"); err == nil && code == 200 {
						break
					}
					time.Sleep(2 * time.Second)
				}
				if code != 200 {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("%s: %d %v", host, code, err))
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	ok := 0
	cl := newClient(4)
	for i := range k {
		if code, _, err := timedGet(cl, c.routerURL(), densityName(i)+".localhost", "/"); err == nil && code == 200 {
			ok++
		}
	}
	return ok, failures
}

// learnTimes measures, trials times each, how soon the router publishes
// a table that has one more site after a change in Consul: a new sleep
// marker (what `site sleep` writes first) and a new passing instance
// (what a woken site's instance becomes). The router's /healthz counts
// its table's sites and carries no names, so each trial adds a site the
// table did not have.
func learnTimes(c *cluster, trials int) (asleep, awake stats) {
	sc := sleep.Client{Nomad: c.nomad, Consul: c.consul}
	var slept, woke []time.Duration
	for i := range trials {
		name := fmt.Sprintf("learn-asleep-%02d", i)
		before := c.routerSites()
		job := jobs.Render(jobs.Site{Name: name, Domains: []string{name + ".localhost"}, Web: jobs.Web{Instances: 1},
			Health: jobs.Health{Path: "/", Interval: time.Second, Timeout: time.Second}}, contract.MinUID)
		t0 := time.Now()
		check(sc.Begin(context.Background(), job))
		slept = append(slept, c.waitRouterSites(before+1, t0))
	}
	for i := range trials {
		name := fmt.Sprintf("learn-awake-%02d", i)
		before := c.routerSites()
		t0 := time.Now()
		_, err := c.consul.Catalog().Register(&consul.CatalogRegistration{Node: "bench-node", Address: "127.0.0.1",
			Service: &consul.AgentService{ID: name, Service: name, Port: 20000 + i, Tags: []string{contract.ServiceTag},
				Meta: map[string]string{contract.MetaSite: name, contract.MetaDomains: name + ".localhost"}},
			Check: &consul.AgentCheck{Node: "bench-node", CheckID: name, Name: "http", Status: consul.HealthPassing, ServiceID: name, ServiceName: name},
		}, nil)
		check(err)
		woke = append(woke, c.waitRouterSites(before+1, t0))
	}
	return summarize(slept), summarize(woke)
}

// routerSites is the number of sites in the router's current table.
func (c *cluster) routerSites() int {
	resp, err := http.Get(c.cfg.RouterAdminURL() + "/healthz")
	check(err)
	defer resp.Body.Close()
	var h struct {
		Sites int `json:"sites"`
	}
	check(json.NewDecoder(resp.Body).Decode(&h))
	return h.Sites
}

func (c *cluster) waitRouterSites(want int, since time.Time) time.Duration {
	for time.Since(since) < 30*time.Second {
		if c.routerSites() >= want {
			return time.Since(since)
		}
		time.Sleep(5 * time.Millisecond)
	}
	fail("the router's table did not reach %d sites within 30 s", want)
	return 0
}

// agentsPSS is the PSS (KiB) of the cluster's Consul, Nomad and router.
func (c *cluster) agentsPSS() map[string]int64 {
	out := map[string]int64{}
	for _, name := range []string{"consul", "nomad", "router"} {
		b, err := os.ReadFile(filepath.Join(c.state, "run", name+".pid"))
		check(err)
		if f := strings.Fields(string(b)); len(f) > 0 {
			out[name] = procmem.PSSKiB(f[0])
		}
	}
	return out
}

// measureSites is the PSS (KiB) of every process of the awake sites:
// whatever runs as a site's uid (gunicorn, the launcher's log writer)
// and Nomad's executors, which name the cluster's data dir.
func measureSites(state string) int64 {
	var total int64
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid := e.Name()
		if _, err := strconv.Atoi(pid); err != nil {
			continue
		}
		cmd, _ := os.ReadFile("/proc/" + pid + "/cmdline")
		if contract.CheckUID(procmem.UID(pid)) == nil || strings.Contains(string(cmd), "executor") && strings.Contains(string(cmd), state+"/") {
			total += procmem.PSSKiB(pid)
		}
	}
	return total
}

func memAvailableMiB() int64 { return procmem.MemAvailableMiB() }

func sum(m map[string]int64) int64 {
	var s int64
	for _, v := range m {
		s += v
	}
	return s
}

func (r densityResult) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %d sites on one node\n\n| batch (`site apply --asleep`, one file) | registered before | seconds | target ≤ 60 s per 1,000 |\n|---|---|---|---|\n", r.Registered)
	for _, bt := range r.Batches {
		fmt.Fprintf(&b, "| %d sites | %d | %.1f | %s |\n", bt.Sites, bt.Before, bt.Seconds, verdict(bt.Seconds*1000/float64(bt.Sites), 60))
	}
	fmt.Fprintf(&b, "\n| agents' PSS (MiB) | consul | nomad | router | total |\n|---|---|---|---|---|\n")
	for _, row := range []struct {
		name string
		m    map[string]int64
	}{{"no site", r.AgentsEmptyKiB}, {fmt.Sprintf("%d asleep", r.Registered), r.AgentsAsleepKiB}, {fmt.Sprintf("%d asleep, %d awake", r.Registered-r.AwakeOK, r.AwakeOK), r.AgentsAwakeKiB}} {
		fmt.Fprintf(&b, "| %s | %.0f | %.0f | %.0f | %.0f |\n", row.name, mib(row.m["consul"]), mib(row.m["nomad"]), mib(row.m["router"]), mib(sum(row.m)))
	}
	fmt.Fprintf(&b, "\nPer sleeping site (agents' growth / sites): **%.0f KiB** (target ≤ 1024 KiB: %s).\n", r.PerSleepingKiB, verdict(r.PerSleepingKiB, 1024))
	fmt.Fprintf(&b, "Woken: %d of %d answered 200 together (%.0f s to wake them, %d failures); their processes: %.0f MiB PSS (%.1f MiB per awake site). MemAvailable: %d MiB empty, %d asleep, %d awake.\n",
		r.AwakeOK, r.AwakeWanted, r.WakeSeconds, len(r.AwakeFailures), mib(r.SitesAwakeKiB), mib(r.SitesAwakeKiB)/float64(max(r.AwakeOK, 1)),
		r.MemAvailableMiB.Empty, r.MemAvailableMiB.Asleep, r.MemAvailableMiB.Awake)
	fmt.Fprintf(&b, "Router learns of a change in Consul at this size (p50 / max over %d): fell asleep %.0f / %.0f ms, woke %.0f / %.0f ms (target ≤ 1000 ms: %s).\n\n",
		r.LearnAsleep.N, r.LearnAsleep.P50, r.LearnAsleep.Max, r.LearnAwake.P50, r.LearnAwake.Max, verdict(max(r.LearnAsleep.Max, r.LearnAwake.Max), 1000))
	for _, f := range r.AwakeFailures {
		fmt.Fprintf(&b, "- %s\n", f)
	}
	return b.String()
}

func mib(kib int64) float64 { return float64(kib) / 1024 }
