package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// example is one of the repository's examples, deployed under its own
// site name with its own site.hcl plus sleep_after.
type example struct {
	site, dir, path string
}

var siteBlock = regexp.MustCompile(`(?m)^site "([a-z0-9-]+)" \{\n`)

// sleepySpec adds sleep_after = "1h" to every site block of an example's
// site.hcl: the site may sleep, and only the bench puts it to sleep.
func sleepySpec(src []byte) []byte {
	return siteBlock.ReplaceAll(src, []byte("${0}  sleep_after = \"1h\"\n"))
}

func (c *cluster) deployExample(ex example) {
	c.stage(ex.site, ex.dir)
	src, err := os.ReadFile(filepath.Join(ex.dir, "site.hcl"))
	check(err)
	if m := siteBlock.FindSubmatch(src); m == nil || string(m[1]) != ex.site {
		fail("%s/site.hcl does not declare site %q", ex.dir, ex.site)
	}
	spec := filepath.Join(c.sourceRoot(), ex.site, "site.hcl")
	check(os.WriteFile(spec, sleepySpec(src), 0o644))
	t0 := time.Now()
	c.must("site", "apply", "--timeout", "10m", spec)
	log.Printf("%s applied in %s", ex.site, time.Since(t0).Round(time.Millisecond))
}

// siteResult is one example's figures.
type siteResult struct {
	Site     string    `json:"site"`
	Example  string    `json:"example"`
	Path     string    `json:"path"`
	Warm     stats     `json:"warm_ms"`
	Wake     stats     `json:"wake_ms"`
	Failures []string  `json:"wake_failures,omitempty"`
	Target   target    `json:"target"`
	Detail   breakdown `json:"breakdown"`
	// Healthy is from request sent until Consul lists an instance as
	// passing: when the router would route to it without the wake's hold.
	Healthy stats `json:"healthy_ms"`
}

type target struct {
	P50 float64 `json:"p50_ms"`
	P99 float64 `json:"p99_ms"`
}

var targets = map[string]target{"hello": {500, 1500}, "django": {1000, 2000}}

// measureSite measures warm latency on the awake site, then n wakes, each
// from a site that is asleep with no allocation running, and breaks one
// wake (the middle one) down.
func measureSite(c *cluster, ex example, o options) siteResult {
	host := ex.site + ".localhost"
	r := siteResult{Site: ex.site, Example: ex.dir, Path: ex.path, Target: targets[ex.site]}
	cl := newClient(1)
	for range 20 { // connections, caches, Django's lazy imports
		timedGet(cl, c.routerURL(), host, ex.path)
	}
	var warm []time.Duration
	for range o.warm {
		code, d, err := timedGet(cl, c.routerURL(), host, ex.path)
		if err != nil || code != 200 {
			fail("%s warm request: %d %v", ex.site, code, err)
		}
		warm = append(warm, d)
	}
	r.Warm = summarize(warm)
	log.Printf("%s warm: p50 %.2f ms, p99 %.2f ms", ex.site, r.Warm.P50, r.Warm.P99)

	var wakes, healthy []time.Duration
	for i := range o.wakes {
		c.sleep(ex.site)
		time.Sleep(c.settle)
		// A new connection for each wake, as a visitor arriving at an idle
		// site would open.
		t0 := time.Now()
		code, d, err := timedGet(newClient(1), c.routerURL(), host, ex.path)
		if err != nil || code != 200 {
			r.Failures = append(r.Failures, fmt.Sprintf("wake %d: %d %v after %s", i, code, err, d.Round(time.Millisecond)))
			log.Printf("%s wake %d failed: %d %v", ex.site, i, code, err)
		} else {
			wakes = append(wakes, d)
		}
		at, err := c.waitHealthy(ex.site, 2*time.Minute)
		check(err)
		healthy = append(healthy, at.Sub(t0))
		if i == o.wakes/2 {
			r.Detail = c.breakdown(ex.site, t0, d, at)
		}
		log.Printf("%s wake %d: %d in %s (healthy after %s)", ex.site, i, code, d.Round(time.Millisecond), at.Sub(t0).Round(time.Millisecond))
	}
	r.Wake = summarize(wakes)
	r.Healthy = summarize(healthy)
	return r
}
