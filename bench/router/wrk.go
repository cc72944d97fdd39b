package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// result is one wrk run.
type result struct {
	rps      float64
	requests int64
	cpu      time.Duration // CPU the proxy's processes used during the run
	p50, p99 time.Duration
	errors   int // socket errors plus non-2xx/3xx answers
}

// wrk drives addr with one wrk thread (wrk is then one core's worth of
// load generator on a two-core machine) and the given Host, or a random
// host from hosts per request when hosts is set.
func (b *bench) wrk(addr, host string, hosts []string) result {
	return b.wrkFor(b.duration, addr, host, hosts)
}

// warm runs wrk briefly, unmeasured: keep-alive pools fill, and with many
// sites each site's metric series gets made (once per site, in the first
// request) before the measured run.
func (b *bench) warm(addr, host string, hosts []string) {
	b.wrkFor(3*time.Second, addr, host, hosts)
}

func (b *bench) wrkFor(d time.Duration, addr, host string, hosts []string) result {
	args := []string{"-t1", "-c" + strconv.Itoa(b.conns), "-d" + d.String(), "--latency"}
	if len(hosts) > 0 {
		var lua strings.Builder
		lua.WriteString("local reqs = {}\n")
		for _, h := range hosts {
			fmt.Fprintf(&lua, "reqs[#reqs+1] = wrk.format(nil, '/', {Host = %q})\n", h)
		}
		lua.WriteString("request = function() return reqs[math.random(#reqs)] end\n")
		f := b.path("hosts.lua")
		check(os.WriteFile(f, []byte(lua.String()), 0o644))
		args = append(args, "-s", f)
	} else {
		args = append(args, "-H", "Host: "+host)
	}
	out, err := exec.Command("wrk", append(args, "http://"+addr+"/")...).CombinedOutput()
	check(err)
	return parseWrk(out)
}

func parseWrk(out []byte) result {
	var r result
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) >= 3 && f[1] == "requests" && f[2] == "in":
			r.requests, _ = strconv.ParseInt(f[0], 10, 64)
		case len(f) == 2 && f[0] == "Requests/sec:":
			r.rps, _ = strconv.ParseFloat(f[1], 64)
		case len(f) == 2 && f[0] == "50%":
			r.p50 = parseDur(f[1])
		case len(f) == 2 && f[0] == "99%":
			r.p99 = parseDur(f[1])
		case len(f) >= 4 && f[0] == "Non-2xx":
			n, _ := strconv.Atoi(f[len(f)-1])
			r.errors += n
		case len(f) >= 2 && f[0] == "Socket" && f[1] == "errors:":
			for i := 2; i+1 < len(f); i += 2 {
				n, _ := strconv.Atoi(strings.TrimSuffix(f[i+1], ","))
				r.errors += n
			}
		}
	}
	return r
}

// parseDur reads wrk's "1.20ms", "850.00us", "1.01s".
func parseDur(s string) time.Duration {
	for _, u := range []struct {
		suffix string
		unit   time.Duration
	}{{"us", time.Microsecond}, {"ms", time.Millisecond}, {"m", time.Minute}, {"s", time.Second}} {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return time.Duration(f * float64(u.unit))
		}
	}
	return 0
}

// cpuTime sums user and system CPU of pid and its children (nginx's
// workers), from /proc. Per request, it is the figure the shared machine's
// noise moves least: a proxy slowed by a neighbour's load still spends
// about the same CPU on each request.
func cpuTime(pid int) time.Duration {
	var ticks int64
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+2:])
		if len(f) < 13 {
			continue
		}
		self, _ := strconv.Atoi(e.Name())
		ppid, _ := strconv.Atoi(f[1])
		if self != pid && ppid != pid {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + st
	}
	return time.Duration(ticks) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}
