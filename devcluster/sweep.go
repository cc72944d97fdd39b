package devcluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// leftovers finds processes this cluster's Nomad clients started that are
// still alive. Nomad deliberately leaves raw_exec tasks running when its
// agent stops (so an agent upgrade does not take sites down), so stopping
// the agent alone would leak them. They are recognised by what ties them to
// this state dir, never by name: a Nomad executor carries its data dir in
// its arguments, and a task sits in a cgroup named after one of a data
// dir's allocation IDs, and the agents' helpers work in the state dir.
func (c Config) leftovers() []int {
	var dataDirs []string
	for k := 1; k <= c.NodeCount(); k++ {
		dataDirs = append(dataDirs, c.nomadDataDirOf(k))
	}
	return c.procsOf(sweepScope{cwdUnder: c.StateDir, dataDirs: dataDirs})
}

// nodeProcs finds node k's processes the same way: its agents' helpers and
// its site tasks, which a machine that dies takes with it.
func (c Config) nodeProcs(k int) []int {
	return c.procsOf(sweepScope{cwdIs: c.nodeDir(k), cwdUnder: c.nomadDataDirOf(k), dataDirs: []string{c.nomadDataDirOf(k)}})
}

// sweepScope is what ties a process to the cluster, or to one node.
type sweepScope struct {
	cwdIs, cwdUnder string
	dataDirs        []string
	allocIDs        []string
}

func (c Config) procsOf(sc sweepScope) []int {
	for _, dataDir := range sc.dataDirs {
		allocs, _ := os.ReadDir(filepath.Join(dataDir, "alloc"))
		for _, a := range allocs {
			if a.IsDir() && len(a.Name()) == 36 {
				sc.allocIDs = append(sc.allocIDs, a.Name())
			}
		}
	}
	// Components that are running as recorded are this cluster's, not
	// leftovers: a sweep before starting Nomad must spare the Consul agent
	// started a moment ago in the same state dir.
	spare := map[int]bool{os.Getpid(): true}
	for _, comp := range c.components() {
		if p, ok := c.pidFile(comp.name).running(); ok {
			spare[p.pid] = true
		}
	}
	procs, _ := os.ReadDir("/proc")
	var pids []int
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil || spare[pid] || spare[parentOf(pid)] || isZombie(pid) {
			// A running component's own children (Postgres's background
			// workers, each in a session of its own) are spared with it.
			continue
		}
		if sc.owns(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func (sc sweepScope) owns(pid int) bool {
	base := "/proc/" + strconv.Itoa(pid)
	if cwd, err := os.Readlink(base + "/cwd"); err == nil &&
		(cwd == sc.cwdIs || cwd == sc.cwdUnder || strings.HasPrefix(cwd, sc.cwdUnder+"/")) {
		return true
	}
	if cmd, err := os.ReadFile(base + "/cmdline"); err == nil {
		for _, d := range sc.dataDirs {
			if strings.Contains(string(cmd), d+"/") {
				return true
			}
		}
	}
	cg, err := os.ReadFile(base + "/cgroup")
	if err != nil {
		return false
	}
	for _, id := range sc.allocIDs {
		if strings.Contains(string(cg), id) {
			return true
		}
	}
	return false
}

// killLeftovers SIGKILLs pids and waits (up to 10 s: hundreds of
// processes take a moment to die) until none is tied to the cluster any
// more; it returns any that still are.
func (c Config) killLeftovers(pids []int) []int { return c.killProcs(pids, c.leftovers) }

func (c Config) killProcs(pids []int, find func() []int) []int {
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := find()
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		for _, pid := range left {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// unmountAll unmounts everything mounted below Nomad's data dir, deepest
// first, and returns how many mounts it removed.
func (c Config) unmountAll() (int, error) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return 0, err
	}
	var points []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		mp := unescapeMount(f[4])
		// Only Nomad's: the media stores under the state dir are loop
		// mounts that must be unmounted properly (see unmountMedia).
		for k := 1; k <= c.NodeCount(); k++ {
			if strings.HasPrefix(mp, c.nomadDataDirOf(k)+"/") {
				points = append(points, mp)
			}
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(points)))
	var errs []error
	n := 0
	for _, mp := range points {
		if err := syscall.Unmount(mp, syscall.MNT_DETACH); err != nil {
			errs = append(errs, fmt.Errorf("unmount %s: %w", mp, err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// unescapeMount decodes the octal escapes (\040 for a space) mountinfo uses.
func unescapeMount(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// parentOf is pid's parent (field 4 of /proc/PID/stat), 0 if unknown.
func parentOf(pid int) int {
	fields, err := statFields(pid)
	if err != nil || len(fields) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}
