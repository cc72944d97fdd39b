package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	consul "github.com/hashicorp/consul/api"
)

var httpClient = &http.Client{Timeout: 5 * time.Second}

type scaleResult struct {
	sites                int
	publishAll           time.Duration // registering done -> table of all sites published
	rss10, rssN, rssLoad float64
	down, up             []time.Duration // convergence after a check turns critical / passing
	rps10, rpsN          result
	consulConns          int
}

const scalePort = 18800

// scale measures the router with n sites: how fast it converges after one
// health change, how much memory it holds, and how throughput changes
// from 10 sites to n (wrk picking a random site per request).
func (b *bench) scale(n int) *scaleResult {
	r := &scaleResult{sites: n}
	cmd, admin := b.router("scale", scalePort, 1)
	defer b.stop(cmd)
	addr := "127.0.0.1:" + strconv.Itoa(scalePort)
	if _, ok := waitStatus(httpClient, addr, siteHost(9), 200, 30*time.Second); !ok {
		fatalf("router never routed the first ten sites")
	}
	hosts := func(k int) []string {
		var h []string
		for i := range k {
			h = append(h, siteHost(i))
		}
		return h
	}
	r.rss10 = rssMiB(cmd.Process.Pid)
	b.warm(addr, "", hosts(10))
	stopProfile := b.profile(admin, "scale-10")
	r.rps10 = b.wrk(addr, "", hosts(10))
	stopProfile()
	log.Printf("10 sites: %.0f req/s", r.rps10.rps)

	t0 := time.Now()
	b.register(10, n)
	log.Printf("registered %d sites in %s", n, time.Since(t0).Round(time.Millisecond))
	t1 := time.Now()
	for sitesIn(admin) < n {
		if time.Since(t1) > 5*time.Minute {
			fatalf("router never published all sites")
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.publishAll = time.Since(t1)
	time.Sleep(2 * time.Second)
	r.rssN = rssMiB(cmd.Process.Pid)
	r.consulConns = connsTo(cmd.Process.Pid, strings.TrimPrefix(b.consulAddr, "127.0.0.1:"))

	for k := range 7 {
		i := n/2 + k*(n/20)
		host := siteHost(i)
		b.setHealth(i, consul.HealthCritical)
		d, ok := waitStatus(httpClient, addr, host, 503, 30*time.Second)
		if !ok {
			fatalf("%s still routed 30 s after its check failed", host)
		}
		r.down = append(r.down, d)
		b.setHealth(i, consul.HealthPassing)
		d, ok = waitStatus(httpClient, addr, host, 200, 30*time.Second)
		if !ok {
			fatalf("%s not routed 30 s after its check passed", host)
		}
		r.up = append(r.up, d)
		log.Printf("convergence %s: critical %s, passing %s", host, r.down[k], r.up[k])
	}
	b.warm(addr, "", hosts(n))
	stopProfile = b.profile(admin, "scale-10k")
	r.rpsN = b.wrk(addr, "", hosts(n))
	stopProfile()
	r.rssLoad = rssMiB(cmd.Process.Pid)
	log.Printf("%d sites: %.0f req/s, RSS %.0f MiB", n, r.rpsN.rps, r.rssLoad)
	slices.Sort(r.down)
	slices.Sort(r.up)
	return r
}

func sitesIn(admin string) int {
	resp, err := httpClient.Get("http://" + admin + "/healthz")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var h struct{ Sites int }
	_ = json.NewDecoder(resp.Body).Decode(&h)
	return h.Sites
}

// connsTo counts the process's established TCP connections to port: the
// number of Consul queries it holds open.
func connsTo(pid int, port string) int {
	out, err := exec.Command("ss", "-Htnp", "state", "established", "dport", "= :"+port).Output()
	if err != nil {
		return -1
	}
	n := 0
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "pid="+strconv.Itoa(pid)+",") {
			n++
		}
	}
	return n
}
