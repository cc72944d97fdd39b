package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hostctl/hostctl/bench/internal/procmem"
	"github.com/hostctl/hostctl/devcluster"
)

// memStats is PSS in KiB: proportional set size, so shared pages (the
// Python interpreter, libraries) are split fairly between the processes
// that share them instead of being counted once per process.
type memStats struct {
	sites     int
	gunicorn  int64 // all gunicorn masters and workers
	perSite   int64 // Nomad's per-task executor and hostctl's launcher (log writer)
	agents    int64 // Consul, Nomad, router
	processes int
}

// measure walks /proc and attributes each process to a site's gunicorn,
// to the per-task platform helpers, or to the shared agents.
func measure(state string, cfg devcluster.Config) memStats {
	var m memStats
	allocs, _ := os.ReadDir(filepath.Join(state, "nomad", "alloc"))
	ids := map[string]bool{}
	for _, a := range allocs {
		ids[a.Name()] = true
	}
	m.sites = len(ids)
	agentPIDs := map[string]bool{}
	for _, name := range []string{"consul", "nomad", "router"} {
		b, _ := os.ReadFile(filepath.Join(state, "run", name+".pid"))
		if f := strings.Fields(string(b)); len(f) > 0 {
			agentPIDs[f[0]] = true
		}
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid := e.Name()
		if _, err := strconv.Atoi(pid); err != nil {
			continue
		}
		pss := pssKiB(pid)
		if pss == 0 {
			continue
		}
		cmd, _ := os.ReadFile("/proc/" + pid + "/cmdline")
		cg, _ := os.ReadFile("/proc/" + pid + "/cgroup")
		cwd, _ := os.Readlink("/proc/" + pid + "/cwd")
		switch {
		case agentPIDs[pid]:
			m.agents += pss
		case strings.Contains(string(cmd), "\x00launch\x00"):
			// hostctl's launcher stays as the command's parent to write
			// its logs; its argv names gunicorn, but it is platform.
			m.perSite += pss
			m.processes++
		case strings.Contains(string(cmd), "gunicorn") && inAlloc(string(cg), ids):
			m.gunicorn += pss
			m.processes++
		case strings.Contains(string(cmd), state+"/") || cwd == state:
			// executors name the data dir; logmon works in the state dir
			m.perSite += pss
			m.processes++
		}
	}
	return m
}

func inAlloc(cgroup string, ids map[string]bool) bool {
	for id := range ids {
		if strings.Contains(cgroup, id) {
			return true
		}
	}
	return false
}

func pssKiB(pid string) int64 { return procmem.PSSKiB(pid) }
