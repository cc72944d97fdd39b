package main

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

type report struct {
	duration          time.Duration
	conns, sites      int
	started, finished time.Time
	compare           []*proxyRun
	scale             *scaleResult
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func (r report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Run of %s (%s wall), wrk -t1 -c%d -d%s, tiny responses (\"ok\\n\" from one nginx worker).\n\n",
		r.started.Format("2006-01-02 15:04"), r.finished.Sub(r.started).Round(time.Second), r.conns, r.duration)
	if len(r.compare) > 0 {
		b.WriteString("Ratios are taken within each round (the proxies of one round ran back to back, so they\n" +
			"shared the machine's load of the moment) and the median over rounds is given.\n\n")
		fmt.Fprintf(&b, "| proxy | CPU budget | req/s per round | p50 / p99 (best round) | req/s vs nginx | req/s vs HAProxy | p99 vs HAProxy | CPU µs/request (median) | errors |\n|---|---|---|---|---|---|---|---|---|\n")
		ref := map[string]map[int]*proxyRun{}
		for _, p := range r.compare {
			if ref[p.proxy] == nil {
				ref[p.proxy] = map[int]*proxyRun{}
			}
			ref[p.proxy][p.cores] = p
		}
		for _, p := range r.compare {
			var all []string
			errs := 0
			for _, a := range p.all {
				all = append(all, fmt.Sprintf("%.0f", a.rps))
				errs += a.errors
			}
			budget := "1 core"
			if p.cores > 1 {
				budget = "all (2) cores"
			}
			ratio := func(base string, f func(result) float64) string {
				q, ok := ref[base][p.cores]
				if !ok {
					return "–"
				}
				var rs []float64
				for i := range min(len(p.all), len(q.all)) {
					if f(q.all[i]) > 0 {
						rs = append(rs, f(p.all[i])/f(q.all[i]))
					}
				}
				if len(rs) == 0 {
					return "–"
				}
				sort.Float64s(rs)
				return fmt.Sprintf("%.2f×", rs[len(rs)/2])
			}
			var cpus []float64
			for _, a := range p.all {
				cpus = append(cpus, a.cpuPerRequest())
			}
			sort.Float64s(cpus)
			fmt.Fprintf(&b, "| %s | %s | %s | %s / %s | %s | %s | %s | %.1f | %d |\n", p.proxy, budget,
				strings.Join(all, ", "), ms(p.best.p50), ms(p.best.p99),
				ratio("nginx", func(x result) float64 { return x.rps }),
				ratio("haproxy", func(x result) float64 { return x.rps }),
				ratio("haproxy", func(x result) float64 { return float64(x.p99) }), cpus[len(cpus)/2], errs)
		}
		b.WriteString("\n")
	}
	if s := r.scale; s != nil {
		fmt.Fprintf(&b, "| scale measure (router at GOMAXPROCS=1) | value |\n|---|---|\n")
		fmt.Fprintf(&b, "| Consul connections held by the router at %d sites | %d |\n", s.sites, s.consulConns)
		fmt.Fprintf(&b, "| registering done → table of %d sites published | %s |\n", s.sites, s.publishAll.Round(time.Millisecond))
		fmt.Fprintf(&b, "| convergence, check → critical → router answers 503 (%d tries) | median %s, max %s |\n", len(s.down), ms(s.down[len(s.down)/2]), ms(s.down[len(s.down)-1]))
		fmt.Fprintf(&b, "| convergence, check → passing → router answers 200 (%d tries) | median %s, max %s |\n", len(s.up), ms(s.up[len(s.up)/2]), ms(s.up[len(s.up)-1]))
		fmt.Fprintf(&b, "| router RSS: 10 sites / %d sites / %d sites after load | %.0f / %.0f / %.0f MiB |\n", s.sites, s.sites, s.rss10, s.rssN, s.rssLoad)
		fmt.Fprintf(&b, "| throughput, random site per request: 10 sites / %d sites | %.0f / %.0f req/s (%+.1f %%) |\n", s.sites, s.rps10.rps, s.rpsN.rps, 100*(s.rpsN.rps/s.rps10.rps-1))
		fmt.Fprintf(&b, "| p99 at 10 / %d sites | %s / %s |\n", s.sites, ms(s.rps10.p99), ms(s.rpsN.p99))
	}
	return b.String()
}

func (r result) cpuPerRequest() float64 {
	if r.requests == 0 {
		return 0
	}
	return float64(r.cpu.Microseconds()) / float64(r.requests)
}
