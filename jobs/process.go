package jobs

import (
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/hostctl/hostctl/contract"
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

func decodeProcesses(sb siteBlock, lim Limits, s *Site) hcl.Diagnostics {
	var diags hcl.Diagnostics
	s.Web = Web{Instances: DefaultInstances, Workers: DefaultWorkers, Threads: DefaultThreads, Timeout: DefaultTimeout,
		Resources: defaultResources(lim)}
	headers := blocksOf(sb.Body, "process", "name")
	seen := map[string]bool{}
	others := 0
	for i, p := range sb.Processes {
		def := headers[i].DefRange
		if seen[p.Name] {
			diags = append(diags, errAt("Duplicate process", fmt.Errorf("process %q is declared more than once", p.Name), headers[i].LabelRanges[0]))
			continue
		}
		seen[p.Name] = true
		if err := contract.CheckProcessName(p.Name); err != nil {
			diags = append(diags, errAt("Invalid process name", err, headers[i].LabelRanges[0]))
			continue
		}
		if p.Name == webProcess {
			diags = append(diags, decodeWeb(p, def, lim, &s.Web)...)
			continue
		}
		if others++; others > lim.MaxProcesses {
			n := 0
			for _, q := range sb.Processes {
				if q.Name != webProcess {
					n++
				}
			}
			return append(diags, overCount("processes besides web", n, lim.MaxProcesses, "processes", headers[i].LabelRanges[0]))
		}
		proc := Process{Name: p.Name, Command: p.Command, Instances: DefaultInstances,
			Resources: defaultResources(lim)}
		if len(p.Command) == 0 || p.Command[0] == "" {
			diags = append(diags, errAt("Missing command", fmt.Errorf("process %q needs command = [\"program\", \"args\"...]", p.Name), def))
		} else {
			diags = append(diags, checkArgv(p.Body, "command", nil, p.Command, lim, def)...)
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
			diags = append(diags, checkCapped(p.Body, "instances", *p.Instances, 0, lim.MaxInstances, "instances", def)...)
		}
		diags = append(diags, decodeProcessResources(p, def, lim, &proc.Resources)...)
		s.Processes = append(s.Processes, proc)
	}
	if !diags.HasErrors() {
		diags = append(diags, checkTotalInstances(sb, headers, lim, s)...)
	}
	return diags
}

// defaultResources are what a process or cron left at the defaults gets:
// no more than the operator's caps, which may be below them.
func defaultResources(lim Limits) Resources {
	return Resources{CPU: min(DefaultCPU, lim.MaxCPU), MemoryMB: min(DefaultMemoryMB, int(lim.MaxMemory>>20))}
}

// checkTotalInstances caps what one site reserves over all its processes,
// at the instances that go over the cap.
func checkTotalInstances(sb siteBlock, headers hcl.Blocks, lim Limits, s *Site) hcl.Diagnostics {
	total := s.Web.Instances
	for _, p := range s.Processes {
		total += p.Instances
	}
	if total <= lim.MaxTotalInstances {
		return nil
	}
	sum := s.Web.Instances
	r := sb.Body.MissingItemRange()
	for i, p := range sb.Processes {
		if p.Name == webProcess {
			if sum > lim.MaxTotalInstances {
				r = attrRange(p.Body, "instances", headers[i].DefRange)
				break
			}
			continue
		}
		n := DefaultInstances
		if p.Instances != nil {
			n = *p.Instances
		}
		if sum += n; sum > lim.MaxTotalInstances {
			r = attrRange(p.Body, "instances", headers[i].DefRange)
			break
		}
	}
	return hcl.Diagnostics{errAt("Limit exceeded", fmt.Errorf("the site's processes have %d instances together; this cluster's limit is %d (limits: total_instances)", total, lim.MaxTotalInstances), r)}
}

func decodeWeb(p *processBlock, def hcl.Range, lim Limits, w *Web) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if p.Command != nil {
		diags = append(diags, errAt("Command on the web process", fmt.Errorf("process \"web\" runs gunicorn with the site's wsgi; it takes no command"), attrRange(p.Body, "command", def)))
	}
	for _, f := range []struct {
		name      string
		src       *int
		dst       *int
		lo, hi    int
		limitName string
	}{
		{"instances", p.Instances, &w.Instances, 0, lim.MaxInstances, "instances"},
		{"workers", p.Workers, &w.Workers, 1, lim.MaxWorkers, "workers"},
		{"threads", p.Threads, &w.Threads, 1, lim.MaxThreads, "threads"},
	} {
		if f.src != nil {
			*f.dst = *f.src
			diags = append(diags, checkCapped(p.Body, f.name, *f.src, f.lo, f.hi, f.limitName, def)...)
		}
	}
	if p.MaxRequests != nil {
		w.MaxRequests = *p.MaxRequests
		diags = append(diags, checkRange(p.Body, "max_requests", *p.MaxRequests, 0, 1_000_000, def)...)
	}
	if p.Timeout != nil {
		diags = append(diags, parseDuration(p.Body, "timeout", *p.Timeout, "1s", "1h", &w.Timeout, def)...)
	}
	return append(diags, decodeProcessResources(p, def, lim, &w.Resources)...)
}

func decodeProcessResources(p *processBlock, def hcl.Range, lim Limits, r *Resources) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if p.CPU != nil {
		r.CPU = *p.CPU
		// Nomad's own floor is 1 MHz; a node of mostly idle sites is
		// limited by its CPU reservations long before by CPU use, so an
		// operator may want to go that low (docs/benchmarks.md).
		diags = append(diags, checkCapped(p.Body, "cpu", *p.CPU, 1, lim.MaxCPU, "cpu", def)...)
	}
	if p.Memory != nil {
		rng := attrRange(p.Body, "memory", def)
		if b, err := parseSize(*p.Memory); err != nil {
			diags = append(diags, errAt("Invalid memory", err, rng))
		} else if r.MemoryMB = mebibytes(b); r.MemoryMB < 16 {
			diags = append(diags, errAt("Invalid memory", fmt.Errorf("memory %s is below 16MiB, too little for a Python process", *p.Memory), rng))
		} else if b > lim.MaxMemory {
			diags = append(diags, overLimit("memory", *p.Memory, "memory", showBytes(lim.MaxMemory), rng))
		}
	}
	if p.MemoryMax != nil {
		rng := attrRange(p.Body, "memory_max", def)
		if b, err := parseSize(*p.MemoryMax); err != nil {
			diags = append(diags, errAt("Invalid memory_max", err, rng))
		} else if r.MemoryMaxMB = mebibytes(b); r.MemoryMaxMB < r.MemoryMB {
			diags = append(diags, errAt("Invalid memory_max", fmt.Errorf("memory_max %s is below memory (%d MiB)", *p.MemoryMax, r.MemoryMB), rng))
		} else if b > lim.MaxMemoryMax {
			diags = append(diags, overLimit("memory_max", *p.MemoryMax, "memory_max", showBytes(lim.MaxMemoryMax), rng))
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
