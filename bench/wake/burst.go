package main

import (
	"fmt"
	"log"
	"sync"
	"time"
)

// burstResult is requests sent all at once to sleeping sites.
type burstResult struct {
	Sites    int         `json:"sites"`
	Requests int         `json:"requests"`
	OK       int         `json:"ok"`
	Codes    map[int]int `json:"codes"` // -1: no response
	Errors   []string    `json:"errors,omitempty"`
	// Last is from the burst's start until the last response's first
	// byte; First and P50 likewise.
	First float64 `json:"first_ms"`
	P50   float64 `json:"p50_ms"`
	Last  float64 `json:"last_ms"`
}

// burst sends one GET per host, all released at once, each on its own
// connection, and waits for every answer.
func burst(router string, hosts []string, path string) burstResult {
	type answer struct {
		code int
		d    time.Duration
		err  error
	}
	out := make([]answer, len(hosts))
	start := make(chan struct{})
	var wg sync.WaitGroup
	var t0 time.Time
	for i, h := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := newClient(1)
			<-start
			code, _, err := timedGet(cl, router, h, path)
			out[i] = answer{code, time.Since(t0), err}
		}()
	}
	time.Sleep(100 * time.Millisecond) // every goroutine parked at the start line
	t0 = time.Now()
	close(start)
	wg.Wait()
	r := burstResult{Requests: len(hosts), Codes: map[int]int{}}
	var ds []time.Duration
	for i, a := range out {
		code := a.code
		if a.err != nil {
			code = -1
			if len(r.Errors) < 10 {
				r.Errors = append(r.Errors, fmt.Sprintf("%s: %v", hosts[i], a.err))
			}
		}
		r.Codes[code]++
		if code == 200 {
			r.OK++
		}
		ds = append(ds, a.d)
	}
	s := summarize(ds)
	r.P50, r.Last = s.P50, s.Max
	r.First = s.Max
	for _, d := range ds {
		r.First = min(r.First, ms(d))
	}
	return r
}

// concurrentWake sends n requests at once to the sleeping hello site.
func concurrentWake(c *cluster, site string, n int) burstResult {
	c.sleep(site)
	time.Sleep(c.settle)
	hosts := make([]string, n)
	for i := range hosts {
		hosts[i] = site + ".localhost"
	}
	r := burst(c.routerURL(), hosts, "/")
	r.Sites = 1
	log.Printf("concurrent: %d of %d answered 200, last after %.0f ms (codes %v)", r.OK, n, r.Last, r.Codes)
	_, err := c.waitHealthy(site, 2*time.Minute)
	check(err)
	return r
}
