package main

import (
	"context"
	"io"
	"sync"
	"time"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/jobs"
	"github.com/hostctl/hostctl/provisioner"
	"github.com/hostctl/hostctl/siteops"
)

// outcome is one site of a parallel registration: regErr if Nomad did not
// take it (or could not place it), routeErr if it never answered.
type outcome struct {
	name             string
	regErr, routeErr error
}

// registerAll registers the named sites, parallel at a time, with the
// code `site apply --detach` runs (siteops.Apply), and waits for each to
// answer through the router for as long as waitLimit says when its turn
// comes.
func registerAll(ctx context.Context, nc *nomad.Client, router string, names []string, parallel int,
	newSite func(name string) jobs.Site, waitLimit func() time.Duration) []outcome {
	// Bench sites ask for no database or media: no provisioner.
	ops := siteops.New(nc, nil, provisioner.Config{}, "", io.Discard)
	out := make([]outcome, len(names))
	idx := make(chan int)
	var wg sync.WaitGroup
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range idx {
				s := newSite(names[i])
				o := outcome{name: s.Name}
				err := ops.Apply(ctx, []jobs.Site{s}, siteops.ApplyOptions{Detach: true})
				if o.regErr = err; err == nil {
					o.routeErr = waitRoutable(ctx, router, s.Domains[0], waitLimit())
				}
				out[i] = o
			}
		}()
	}
	for i := range names {
		idx <- i
	}
	close(idx)
	wg.Wait()
	return out
}
