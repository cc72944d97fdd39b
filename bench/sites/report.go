package main

import (
	"fmt"
	"strings"
	"time"
)

type report struct {
	memory     string
	memoryMax  string
	cpu        int
	bulk       int
	sequential []time.Duration
	bulkTime   time.Duration
	bulkFailed []string
	mem        memStats
	node       string
	fill       *fillResult
}

func (r report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "| measure | value |\n|---|---|\n")
	if len(r.sequential) > 0 {
		fmt.Fprintf(&b, "| apply-to-routable, %d new sites one by one | p50 %s, p99 %s, max %s |\n", len(r.sequential),
			percentile(r.sequential, 0.5).Round(10*time.Millisecond), percentile(r.sequential, 0.99).Round(10*time.Millisecond),
			percentile(r.sequential, 1).Round(10*time.Millisecond))
	}
	if ok := r.bulk - len(r.bulkFailed); r.bulk > 0 {
		fmt.Fprintf(&b, "| bulk apply of %d sites (registered 8 at a time, until all routable) | %s total, %.2f sites/s, %d failed |\n",
			r.bulk, r.bulkTime.Round(time.Second), float64(ok)/r.bulkTime.Seconds(), len(r.bulkFailed))
	}
	m := r.mem
	if m.sites > 0 {
		n := int64(m.sites)
		fmt.Fprintf(&b, "| warm sites measured | %d (hello, 1 gunicorn worker, %s and %d MHz reserved each) |\n", m.sites, r.memory, r.cpu)
		fmt.Fprintf(&b, "| PSS per site: gunicorn (master + worker) | %s |\n", mib(m.gunicorn/n))
		fmt.Fprintf(&b, "| PSS per site: platform (Nomad executor + hostctl launcher) | %s |\n", mib(m.perSite/n))
		fmt.Fprintf(&b, "| PSS, shared agents (Consul + Nomad + router) | %s total, %s per site |\n", mib(m.agents), mib(m.agents/n))
		fmt.Fprintf(&b, "| node memory Nomad schedules against | %s |\n", r.node)
	}
	if r.fill != nil {
		reservation := r.memory + " reserved"
		if r.memoryMax != "" {
			reservation += ", memory_max " + r.memoryMax
		}
		b.WriteString(r.fill.markdown(fmt.Sprintf("%s, %d MHz per site", reservation, r.cpu)))
	}
	for _, f := range r.bulkFailed {
		fmt.Fprintf(&b, "\nfailed: %s", f)
	}
	return b.String()
}
