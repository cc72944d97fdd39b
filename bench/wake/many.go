package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// manyWake deploys k small hello sites (one worker each), puts them all to
// sleep, and wakes them at once with one request each.
func manyWake(c *cluster, k, parallel int) burstResult {
	code, err := os.ReadFile("examples/hello/app.py")
	check(err)
	names := make([]string, k)
	var spec strings.Builder
	for i := range names {
		names[i] = fmt.Sprintf("k%03d", i)
		c.stageApp(names[i], code)
		spec.WriteString(helloSpec(names[i]))
	}
	file := filepath.Join(c.sourceRoot(), "many.hcl")
	check(os.WriteFile(file, []byte(spec.String()), 0o644))
	t0 := time.Now()
	c.must("site", "apply", "--timeout", "20m", file)
	log.Printf("%d sites applied in %s", k, time.Since(t0).Round(time.Second))

	t0 = time.Now()
	each(names, parallel, c.sleep)
	log.Printf("%d sites asleep and stopped in %s", k, time.Since(t0).Round(time.Second))
	time.Sleep(max(c.settle, 2*time.Second))

	hosts := make([]string, k)
	for i, n := range names {
		hosts[i] = n + ".localhost"
	}
	r := burst(c.routerURL(), hosts, "/")
	r.Sites = k
	log.Printf("many: %d of %d answered 200, last after %.0f ms (codes %v)", r.OK, k, r.Last, r.Codes)
	return r
}

// each runs f on every name, parallel at a time. A panic (a failure) in
// one call is re-raised once all the others have finished.
func each(names []string, parallel int, f func(string)) {
	idx := make(chan string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var panicked any
	call := func(n string) {
		defer func() {
			if r := recover(); r != nil {
				mu.Lock()
				panicked = r
				mu.Unlock()
			}
		}()
		f(n)
	}
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range idx {
				call(n)
			}
		}()
	}
	for _, n := range names {
		idx <- n
	}
	close(idx)
	wg.Wait()
	if panicked != nil {
		panic(panicked)
	}
}
