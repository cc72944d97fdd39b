package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"time"
)

// step is one moment of a wake, in ms after the request was sent (all
// clocks are this machine's).
type step struct {
	What string  `json:"what"`
	At   float64 `json:"at_ms"`
}

type breakdown struct {
	Steps []step `json:"steps"`
}

// breakdown gathers one wake's moments: the router's log lines for it,
// the new allocation's placement and task events in Nomad, the first
// byte, and Consul's first passing check.
func (c *cluster) breakdown(site string, t0 time.Time, ttfb time.Duration, healthy time.Time) breakdown {
	var b breakdown
	add := func(what string, at time.Time) {
		b.Steps = append(b.Steps, step{what, ms(at.Sub(t0))})
	}
	b.Steps = append(b.Steps, step{"client: first byte of the response", ms(ttfb)})
	add("consul: an instance's check passing (seen by a 20 ms poll)", healthy)
	for _, l := range c.routerLines(site, t0) {
		switch l.Msg {
		case "waking site":
			add(fmt.Sprintf("router: the scale-up call returned (waking site, started=%v)", l.Started), l.Time)
		case "site awake":
			add("router: wake began (first request held)", l.Time.Add(-time.Duration(l.After)))
			add("router: an instance accepted a connection (site awake)", l.Time)
		}
	}
	allocs, _, err := c.nomad.Jobs().Allocations(site, false, nil)
	check(err)
	for _, a := range allocs {
		created := time.Unix(0, a.CreateTime)
		if created.Before(t0.Add(-time.Second)) {
			continue // an earlier wake's
		}
		id := a.ID[:8]
		add("nomad: allocation "+id+" created (placed)", created)
		for task, st := range a.TaskStates {
			for _, ev := range st.Events {
				add(fmt.Sprintf("nomad: %s task %s: %s", id, task, ev.Type), time.Unix(0, ev.Time))
			}
		}
		if d := a.DeploymentStatus; d != nil && d.Healthy != nil && *d.Healthy {
			add("nomad: allocation "+id+" marked healthy (deployment)", d.Timestamp)
		}
	}
	sort.SliceStable(b.Steps, func(i, j int) bool { return b.Steps[i].At < b.Steps[j].At })
	return b
}

// routerLine is a line of the router's JSON log.
type routerLine struct {
	Time    time.Time `json:"time"`
	Msg     string    `json:"msg"`
	Site    string    `json:"site"`
	Started bool      `json:"started"`
	After   int64     `json:"after"` // ns
}

// routerLines are the router's wake lines for site logged since t0.
func (c *cluster) routerLines(site string, t0 time.Time) []routerLine {
	f, err := os.Open(c.routerLog())
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []routerLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l routerLine
		if json.Unmarshal(sc.Bytes(), &l) != nil || l.Site != site || l.Time.Before(t0) {
			continue
		}
		if l.Msg == "waking site" || l.Msg == "site awake" {
			out = append(out, l)
		}
	}
	return out
}
