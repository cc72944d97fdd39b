package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"
	"time"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/bench/internal/procmem"
	"github.com/hostctl/hostctl/devcluster"
	"github.com/hostctl/hostctl/jobs"
)

// fillConfig drives the capacity run: keep adding warm hello sites until
// something refuses. Reservations are set low on purpose so that Nomad's
// bookkeeping is not what stops it; the question is what the machine runs
// out of first.
type fillConfig struct {
	step       int   // sites added per batch, before the memory estimate shrinks it
	floorMiB   int64 // stop while MemAvailable is still above this: the machine is shared
	parallel   int
	newSite    func(name string) jobs.Site
	batchLimit time.Duration // a batch's sites must all answer within this
}

// fillStep is the node's state after one batch became routable and settled.
type fillStep struct {
	sites       int
	added       int
	notRoutable int
	took        time.Duration
	busy        float64 // share of all CPUs busy over 10 s once the batch is up: the idle sites' cost
	memAvailMiB int64
	threads     int
	load        string
}

type fillResult struct {
	startSites    int
	startAvailMiB int64
	steps         []fillStep
	stop          string
}

func fill(ctx context.Context, nc *nomad.Client, cfg devcluster.Config, fc fillConfig, running int) fillResult {
	res := fillResult{startSites: running, startAvailMiB: memAvailableMiB()}
	perSite := int64(64) // MiB; a guess until the first batch measures it
	lastAvail, lastSites := res.startAvailMiB, running
	for n := 0; ; {
		headroom := lastAvail - fc.floorMiB
		batch := min(fc.step, int(headroom/perSite))
		if batch < 1 {
			res.stop = fmt.Sprintf("memory: MemAvailable %d MiB, within one site (%d MiB) of the %d MiB floor this run keeps free",
				lastAvail, perSite, fc.floorMiB)
			return res
		}
		t0 := time.Now()
		placed, notRoutable, refusal := addSites(ctx, nc, cfg, fc, n, batch)
		n += batch
		running += placed
		if refusal != "" && placed == 0 {
			res.stop = "registration refused: " + refusal
			return res
		}
		took := time.Since(t0)
		time.Sleep(5 * time.Second) // let new workers finish importing before reading memory
		st := fillStep{sites: running, added: placed, notRoutable: notRoutable, took: took,
			busy: cpuBusy(10 * time.Second), memAvailMiB: memAvailableMiB()}
		st.load, st.threads = loadavg()
		res.steps = append(res.steps, st)
		log.Printf("fill: %d sites, +%d in %s (%d not routable), CPU %.0f%% busy, MemAvailable %d MiB, %d threads, load %s",
			st.sites, placed, st.took.Round(time.Second), notRoutable, 100*st.busy, st.memAvailMiB, st.threads, st.load)
		if grown := running - lastSites; grown > 0 && lastAvail > st.memAvailMiB {
			perSite = max(perSite/2, (lastAvail-st.memAvailMiB)/int64(grown))
		}
		lastAvail, lastSites = st.memAvailMiB, running
		switch {
		case refusal != "":
			res.stop = "registration refused: " + refusal
			return res
		case notRoutable*10 > batch:
			res.stop = fmt.Sprintf("starting: %d of %d new sites not routable within %s of their batch starting", notRoutable, batch, fc.batchLimit)
			return res
		}
	}
}

// addSites registers count sites and waits for each to answer, all
// within fc.batchLimit. A registration error (Nomad could not place the
// job, most likely) is returned rather than counted: it means the node is
// full.
func addSites(ctx context.Context, nc *nomad.Client, cfg devcluster.Config, fc fillConfig, first, count int) (placed, notRoutable int, refusal string) {
	deadline := time.Now().Add(fc.batchLimit)
	for _, o := range registerAll(ctx, nc, cfg.RouterURL(), siteNames("fill%04d", first, count), fc.parallel, fc.newSite,
		func() time.Duration { return time.Until(deadline) }) {
		switch {
		case o.regErr != nil:
			refusal = o.regErr.Error()
			// A job Nomad could not place stays registered and blocked;
			// remove it so the node's state is what ran.
			_, _, _ = nc.Jobs().Deregister(o.name, true, (&nomad.WriteOptions{}).WithContext(ctx))
		case o.routeErr != nil:
			placed++
			notRoutable++
		default:
			placed++
		}
	}
	return placed, notRoutable, refusal
}

// cpuBusy is the share of all CPUs' time spent not idle over d, from
// /proc/stat's first line.
func cpuBusy(d time.Duration) float64 {
	read := func() (busy, total int64) {
		b, _ := os.ReadFile("/proc/stat")
		line, _, _ := strings.Cut(string(b), "\n")
		for i, f := range strings.Fields(line)[1:] {
			n, _ := strconv.ParseInt(f, 10, 64)
			total += n
			if i != 3 && i != 4 { // idle, iowait
				busy += n
			}
		}
		return busy, total
	}
	b0, t0 := read()
	time.Sleep(d)
	b1, t1 := read()
	if t1 == t0 {
		return 0
	}
	return float64(b1-b0) / float64(t1-t0)
}

func memAvailableMiB() int64 { return procmem.MemAvailableMiB() }

// loadavg is the 1-minute load and the machine's thread total (threads
// take PIDs, and pid_max bounds them before memory does on some machines).
func loadavg() (load string, threads int) {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b)) // 1m 5m 15m running/total lastpid
	if len(f) < 4 {
		return "?", 0
	}
	_, total, _ := strings.Cut(f[3], "/")
	threads, _ = strconv.Atoi(total)
	return f[0], threads
}

func (r fillResult) markdown(reservation string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nCapacity fill (%s; MemAvailable before the first fill site: %d MiB)\n\n", reservation, r.startAvailMiB)
	fmt.Fprintf(&b, "| warm sites | added | not routable | batch took | CPU busy after | MemAvailable | threads | load (1 min) |\n|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.steps {
		fmt.Fprintf(&b, "| %d | %d | %d | %s | %.0f %% | %d MiB | %d | %s |\n", s.sites, s.added, s.notRoutable, s.took.Round(time.Second),
			100*s.busy, s.memAvailMiB, s.threads, s.load)
	}
	if len(r.steps) > 0 {
		last := r.steps[len(r.steps)-1]
		if grown := last.sites - r.startSites; grown > 0 && r.startAvailMiB > last.memAvailMiB {
			slope := float64(r.startAvailMiB-last.memAvailMiB) / float64(grown)
			fmt.Fprintf(&b, "\nMemAvailable fell %.1f MiB per added site between %d and %d sites; at that slope it reaches 0 at ≈ %d sites.\n",
				slope, r.startSites, last.sites, last.sites+int(float64(last.memAvailMiB)/slope))
		}
	}
	fmt.Fprintf(&b, "Stopped by %s\n", r.stop)
	return b.String()
}
