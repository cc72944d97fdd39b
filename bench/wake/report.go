package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

type results struct {
	Command      string         `json:"command"`
	Started      time.Time      `json:"started"`
	TookSeconds  float64        `json:"took_s"`
	Machine      machineState   `json:"machine_before"`
	MachineAfter machineState   `json:"machine_after"`
	Sites        []siteResult   `json:"sites"`
	Concurrent   burstResult    `json:"concurrent"`
	Many         *burstResult   `json:"many,omitempty"`
	Density      *densityResult `json:"density,omitempty"`
}

type machineState struct {
	CPUs        int    `json:"cpus"`
	Load        string `json:"loadavg"`
	MemTotalMiB int64  `json:"mem_total_mib"`
	MemAvailMiB int64  `json:"mem_available_mib"`
}

func machine() machineState {
	m := machineState{CPUs: runtime.NumCPU()}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		m.Load = strings.Join(f[:min(3, len(f))], " ")
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			var kib int64
			if _, err := fmt.Sscanf(line, "MemTotal: %d kB", &kib); err == nil {
				m.MemTotalMiB = kib / 1024
			}
			if _, err := fmt.Sscanf(line, "MemAvailable: %d kB", &kib); err == nil {
				m.MemAvailMiB = kib / 1024
			}
		}
	}
	return m
}

func (r results) writeJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func verdict(got, want float64) string {
	if got <= want {
		return "met"
	}
	return "missed"
}

func (r results) markdown() string {
	var b strings.Builder
	m := r.Machine
	fmt.Fprintf(&b, "## Waking sleeping sites\n\n`%s` — %d CPUs, %d MiB RAM (%d available), load %s before, %s after; took %s.\n\n",
		r.Command, m.CPUs, m.MemTotalMiB, m.MemAvailMiB, m.Load, r.MachineAfter.Load, time.Duration(r.TookSeconds*float64(time.Second)).Round(time.Second))
	if r.Density != nil {
		b.WriteString(r.Density.markdown())
	}
	if len(r.Sites) == 0 {
		return b.String()
	}
	fmt.Fprintf(&b, "Wake latency: request sent (new connection) to first byte through the router, from a site that `site status` says is asleep and that Nomad runs no allocation of. Warm: the same request to the awake site over a kept-alive connection.\n\n")
	fmt.Fprintf(&b, "| site | wakes (ok/n) | wake p50 | p95 | p99 | max | target p50 / p99 | healthy in Consul, p50 | warm p50 | warm p99 |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.Sites {
		fmt.Fprintf(&b, "| %s (%s) | %d/%d | %.0f ms | %.0f ms | %.0f ms | %.0f ms | ≤ %.0f (%s) / ≤ %.0f (%s) ms | %.0f ms | %.2f ms | %.2f ms |\n",
			s.Site, s.Example, s.Wake.N, s.Wake.N+len(s.Failures), s.Wake.P50, s.Wake.P95, s.Wake.P99, s.Wake.Max,
			s.Target.P50, verdict(s.Wake.P50, s.Target.P50), s.Target.P99, verdict(s.Wake.P99, s.Target.P99),
			s.Healthy.P50, s.Warm.P50, s.Warm.P99)
	}
	fmt.Fprintf(&b, "\n| burst | requests | 200s | other answers | first | p50 | last answered |\n|---|---|---|---|---|---|---|\n")
	row := func(name string, br burstResult) {
		var other []string
		for code, n := range br.Codes {
			if code != 200 {
				other = append(other, fmt.Sprintf("%d×%d", n, code))
			}
		}
		o := strings.Join(other, ", ")
		if o == "" {
			o = "none"
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %s | %.0f ms | %.0f ms | %.0f ms |\n", name, br.Requests, br.OK, o, br.First, br.P50, br.Last)
	}
	row("one sleeping hello site, concurrent requests", r.Concurrent)
	if r.Many != nil {
		row(fmt.Sprintf("%d sleeping hello sites (1 worker each), one request each", r.Many.Sites), *r.Many)
	}
	for _, s := range r.Sites {
		for _, f := range s.Failures {
			fmt.Fprintf(&b, "\n- %s %s", s.Site, f)
		}
	}
	for _, br := range []*burstResult{&r.Concurrent, r.Many} {
		if br != nil {
			for _, e := range br.Errors {
				fmt.Fprintf(&b, "\n- %s", e)
			}
		}
	}
	for _, s := range r.Sites {
		fmt.Fprintf(&b, "\n\nWhere one %s wake's time went (ms after the request was sent):\n\n| ms | what |\n|---|---|\n", s.Site)
		for _, st := range s.Detail.Steps {
			fmt.Fprintf(&b, "| %.0f | %s |\n", st.At, st.What)
		}
	}
	b.WriteString("\n")
	return b.String()
}
