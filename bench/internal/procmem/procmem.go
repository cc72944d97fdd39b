// Package procmem reads what the benchmarks report about memory from
// /proc: a process's proportional set size and the node's available
// memory.
package procmem

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// PSSKiB is pid's proportional set size: shared pages (the interpreter,
// libraries) are split between the processes that share them instead of
// being counted once per process. 0 if pid is gone.
func PSSKiB(pid string) int64 { return fieldKiB("/proc/"+pid+"/smaps_rollup", "Pss") }

// MemAvailableMiB is the kernel's estimate of memory available to new
// work without swapping.
func MemAvailableMiB() int64 { return fieldKiB("/proc/meminfo", "MemAvailable") / 1024 }

// fieldKiB reads a "Field:   123 kB" line of a /proc file.
func fieldKiB(path, field string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// UID is pid's real uid, or -1.
func UID(pid string) int {
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "Uid:"); ok {
			if fields := strings.Fields(rest); len(fields) > 0 {
				n, err := strconv.Atoi(fields[0])
				if err == nil {
					return n
				}
			}
		}
	}
	return -1
}
