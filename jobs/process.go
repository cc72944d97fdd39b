package jobs

import (
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// processBlock is `process "web" { ... }` (gunicorn) or any other
// `process "name" { command = [...] }`. The gunicorn-only settings are
// rejected on other processes rather than silently ignored.
type processBlock struct {
	Name        string   `hcl:"name,label"`
	Command     []string `hcl:"command,optional"`
	Instances   *int     `hcl:"instances,optional"`
	Workers     *int     `hcl:"workers,optional"`
	Threads     *int     `hcl:"threads,optional"`
	Timeout     *string  `hcl:"timeout,optional"`
	MaxRequests *int     `hcl:"max_requests,optional"`
	Memory      *string  `hcl:"memory,optional"`
	MemoryMax   *string  `hcl:"memory_max,optional"`
	CPU         *int     `hcl:"cpu,optional"`
	Body        hcl.Body `hcl:",body"`
}

const webProcess = "web"

func decodeProcesses(sb siteBlock, s *Site) hcl.Diagnostics {
	var diags hcl.Diagnostics
	s.Web = Web{Instances: DefaultInstances, Workers: DefaultWorkers, Threads: DefaultThreads, Timeout: DefaultTimeout,
		Resources: Resources{CPU: DefaultCPU, MemoryMB: DefaultMemoryMB}}
	headers := blocksOf(sb.Body, "process", "name")
	seen := map[string]bool{}
	for i, p := range sb.Processes {
		def := headers[i].DefRange
		if seen[p.Name] {
			diags = append(diags, errAt("Duplicate process", fmt.Errorf("process %q is declared more than once", p.Name), headers[i].LabelRanges[0]))
			continue
		}
		seen[p.Name] = true
		if err := checkProcessName(p.Name); err != nil {
			diags = append(diags, errAt("Invalid process name", err, headers[i].LabelRanges[0]))
			continue
		}
		if p.Name == webProcess {
			diags = append(diags, decodeWeb(p, def, &s.Web)...)
			continue
		}
		proc := Process{Name: p.Name, Command: p.Command, Instances: DefaultInstances,
			Resources: Resources{CPU: DefaultCPU, MemoryMB: DefaultMemoryMB}}
		if len(p.Command) == 0 || p.Command[0] == "" {
			diags = append(diags, errAt("Missing command", fmt.Errorf("process %q needs command = [\"program\", \"args\"...]", p.Name), def))
		}
		for _, webOnly := range []struct {
			name string
			set  bool
		}{{"workers", p.Workers != nil}, {"threads", p.Threads != nil}, {"timeout", p.Timeout != nil}, {"max_requests", p.MaxRequests != nil}} {
			if webOnly.set {
				diags = append(diags, errAt("Gunicorn setting on a non-web process", fmt.Errorf("%s applies only to process \"web\"", webOnly.name), attrRange(p.Body, webOnly.name, def)))
			}
		}
		if p.Instances != nil {
			proc.Instances = *p.Instances
			diags = append(diags, checkRange(p.Body, "instances", *p.Instances, 0, 64, def)...)
		}
		diags = append(diags, decodeProcessResources(p, def, &proc.Resources)...)
		s.Processes = append(s.Processes, proc)
	}
	return diags
}

// Process names become Nomad task group names next to "web".
func checkProcessName(name string) error {
	if !siteNameRE.MatchString(name) {
		return fmt.Errorf("process name %q must be a lowercase DNS label", name)
	}
	return nil
}

func decodeWeb(p *processBlock, def hcl.Range, w *Web) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if p.Command != nil {
		diags = append(diags, errAt("Command on the web process", fmt.Errorf("process \"web\" runs gunicorn with the site's wsgi; it takes no command"), attrRange(p.Body, "command", def)))
	}
	for _, f := range []struct {
		name   string
		src    *int
		dst    *int
		lo, hi int
	}{
		{"instances", p.Instances, &w.Instances, 0, 64},
		{"workers", p.Workers, &w.Workers, 1, 64},
		{"threads", p.Threads, &w.Threads, 1, 64},
		{"max_requests", p.MaxRequests, &w.MaxRequests, 0, 1_000_000},
	} {
		if f.src != nil {
			*f.dst = *f.src
			diags = append(diags, checkRange(p.Body, f.name, *f.src, f.lo, f.hi, def)...)
		}
	}
	if p.Timeout != nil {
		diags = append(diags, parseDuration(p.Body, "timeout", *p.Timeout, "1s", "1h", &w.Timeout, def)...)
	}
	return append(diags, decodeProcessResources(p, def, &w.Resources)...)
}

func decodeProcessResources(p *processBlock, def hcl.Range, r *Resources) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if p.CPU != nil {
		r.CPU = *p.CPU
		// Nomad's own floor is 1 MHz; a node of mostly idle sites is
		// limited by its CPU reservations long before by CPU use, so an
		// operator may want to go that low (docs/benchmarks.md).
		diags = append(diags, checkRange(p.Body, "cpu", *p.CPU, 1, 64_000, def)...)
	}
	if p.Memory != nil {
		if b, err := parseSize(*p.Memory); err != nil {
			diags = append(diags, errAt("Invalid memory", err, attrRange(p.Body, "memory", def)))
		} else if r.MemoryMB = mebibytes(b); r.MemoryMB < 16 {
			diags = append(diags, errAt("Invalid memory", fmt.Errorf("memory %s is below 16MiB, too little for a Python process", *p.Memory), attrRange(p.Body, "memory", def)))
		}
	}
	if p.MemoryMax != nil {
		if b, err := parseSize(*p.MemoryMax); err != nil {
			diags = append(diags, errAt("Invalid memory_max", err, attrRange(p.Body, "memory_max", def)))
		} else if r.MemoryMaxMB = mebibytes(b); r.MemoryMaxMB < r.MemoryMB {
			diags = append(diags, errAt("Invalid memory_max", fmt.Errorf("memory_max %s is below memory (%d MiB)", *p.MemoryMax, r.MemoryMB), attrRange(p.Body, "memory_max", def)))
		}
	}
	return diags
}

func parseDuration(body hcl.Body, name, src, lo, hi string, dst *time.Duration, def hcl.Range) hcl.Diagnostics {
	d, err := time.ParseDuration(src)
	minD, _ := time.ParseDuration(lo)
	maxD, _ := time.ParseDuration(hi)
	if err == nil && (d < minD || d > maxD) {
		err = fmt.Errorf("%s %s must be between %s and %s", name, d, lo, hi)
	}
	if err != nil {
		return hcl.Diagnostics{errAt("Invalid "+name, err, attrRange(body, name, def))}
	}
	*dst = d
	return nil
}
