package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
	"sort"
	"time"
)

// requestTimeout is past the router's wake timeout (30 s): a wake that
// fails answers 503 before it.
const requestTimeout = 60 * time.Second

// newClient is a client of its own, so a wake's request opens a new
// connection; conns is how many it may keep open at once.
func newClient(conns int) *http.Client {
	return &http.Client{Timeout: requestTimeout, Transport: &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute,
	}}
}

// timedGet sends GET router+path with Host: host and returns the status
// and the time from sending until the response's first byte (or until the
// error).
func timedGet(cl *http.Client, router, host, path string) (int, time.Duration, error) {
	var first time.Time
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		GotFirstResponseByte: func() { first = time.Now() },
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, router+path, nil)
	if err != nil {
		return 0, 0, err
	}
	req.Host = host
	t0 := time.Now()
	resp, err := cl.Do(req)
	if err != nil {
		return 0, time.Since(t0), err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, first.Sub(t0), err
}

// stats summarizes durations in milliseconds.
type stats struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func summarize(ds []time.Duration) stats {
	if len(ds) == 0 {
		return stats{}
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	// Nearest rank: p99 of 50 samples is the largest, not an interpolation.
	rank := func(p float64) float64 {
		i := int(p*float64(len(s))+0.999999) - 1
		return ms(s[max(0, min(i, len(s)-1))])
	}
	return stats{N: len(s), P50: rank(0.50), P95: rank(0.95), P99: rank(0.99), Max: ms(s[len(s)-1])}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
