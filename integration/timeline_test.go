package integration

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"time"
)

// timeline sends requests to one site through one router without pause, from a
// few clients at once, and keeps every outcome, so a test can count the
// failures in a window and see how long the site was slow or down.
type timeline struct {
	name   string
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	outcomes []outcome
}

type outcome struct {
	at      time.Time // when the request started
	took    time.Duration
	status  int // 0: no response
	errText string
}

func (o outcome) ok() bool { return o.status == http.StatusOK }

// startTimeline runs clients that each send one request at a time to router
// with Host: host. A request that takes longer than 15 s counts as failed.
func startTimeline(name, router, host string, clients int) *timeline {
	ctx, cancel := context.WithCancel(context.Background())
	l := &timeline{name: name, cancel: cancel}
	client := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	for i := 0; i < clients; i++ {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, router+"/", nil)
				req.Host = host
				t0 := time.Now()
				resp, err := client.Do(req)
				o := outcome{at: t0}
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					o.status = resp.StatusCode
				} else {
					o.errText = err.Error()
				}
				o.took = time.Since(t0)
				if ctx.Err() != nil && !o.ok() {
					return // cancelled by stop, not a failure of the site
				}
				l.mu.Lock()
				l.outcomes = append(l.outcomes, o)
				l.mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}
	return l
}

// failedThenOK reports whether, since t, a request failed and a later one
// succeeded.
func (l *timeline) failedThenOK(t time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	failed := false
	for _, o := range l.outcomes {
		if o.at.Before(t) {
			continue
		}
		if !o.ok() {
			failed = true
		} else if failed {
			return true
		}
	}
	return false
}

// stop ends the load and returns everything it saw, in start order.
func (l *timeline) stop() loadReport {
	l.cancel()
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	out := append([]outcome(nil), l.outcomes...)
	sort.Slice(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return loadReport{name: l.name, outcomes: out}
}

type loadReport struct {
	name     string
	outcomes []outcome
}

// failed are the requests that did not get a 200.
func (r loadReport) failed() []outcome {
	var f []outcome
	for _, o := range r.outcomes {
		if !o.ok() {
			f = append(f, o)
		}
	}
	return f
}

// downSpan is from the first failed request to the end of the last one:
// how long the clients saw the site down; 0 if none failed.
func (r loadReport) downSpan() time.Duration {
	f := r.failed()
	if len(f) == 0 {
		return 0
	}
	last := f[len(f)-1]
	return last.at.Add(last.took).Sub(f[0].at)
}

// backAfter is how long after since the site first answered 200 to a
// request started after since and after its last failure; use it for a
// site that is expected to be down at since.
func (r loadReport) backAfter(since time.Time) time.Duration {
	var lastFail time.Time
	for _, o := range r.outcomes {
		if !o.at.Before(since) && !o.ok() {
			lastFail = o.at
		}
	}
	for _, o := range r.outcomes {
		if !o.at.Before(since) && o.ok() && o.at.After(lastFail) {
			return o.at.Add(o.took).Sub(since)
		}
	}
	return -1
}

// slowest is the longest request started at or after since.
func (r loadReport) slowest(since time.Time) time.Duration {
	var m time.Duration
	for _, o := range r.outcomes {
		if !o.at.Before(since) && o.took > m {
			m = o.took
		}
	}
	return m
}

// settledAfter is how long after since requests stayed slower than limit:
// the end of the last slow request, as a measure of when traffic had moved.
func (r loadReport) settledAfter(since time.Time, limit time.Duration) time.Duration {
	var end time.Time
	for _, o := range r.outcomes {
		if !o.at.Before(since) && o.took > limit {
			if e := o.at.Add(o.took); e.After(end) {
				end = e
			}
		}
	}
	if end.IsZero() {
		return 0
	}
	return end.Sub(since)
}

func (r loadReport) String() string {
	f := r.failed()
	s := fmt.Sprintf("%s: %d requests, %d failed", r.name, len(r.outcomes), len(f))
	for i, o := range f {
		if i == 5 {
			s += fmt.Sprintf("\n  ... %d more", len(f)-5)
			break
		}
		s += fmt.Sprintf("\n  %s status %d after %s %s", o.at.Format("15:04:05.000"), o.status, o.took.Round(time.Millisecond), o.errText)
	}
	return s
}
