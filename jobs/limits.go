package jobs

import (
	"fmt"
	"math/big"

	"github.com/dustin/go-humanize"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Limits are the caps an operator puts on what one site may ask for. A
// spec is written by a tenant, so without them one site could reserve a
// whole cluster (200 processes of 64 instances) or make Nomad accept a
// 1 PiB memory burst. Byte sizes are in bytes, memory in bytes, CPU in MHz.
type Limits struct {
	MaxMemory          int64 // memory reserved per instance
	MaxMemoryMax       int64 // memory_max (burst) per instance
	MaxCPU             int   // MHz reserved per instance
	MaxInstances       int   // instances of one process
	MaxTotalInstances  int   // instances over web and every other process
	MaxWorkers         int
	MaxThreads         int
	MaxProcesses       int // process blocks other than "web"
	MaxCrons           int
	MaxReleaseCommands int
	MaxArgs            int // elements of one command (argv)
	MaxArgBytes        int // bytes of one argv element
	MaxDomains         int // domains and redirects together
	MaxSecrets         int
	MaxStatic          int
	MaxConstraints     int // constraint blocks, node_class included
	MaxMediaQuota      int64
	MaxDBConnections   int
	MaxEnvVars         int
	MaxEnvValueBytes   int
	MaxEnvBytes        int // names and values of env together
	// DefaultSleepAfter (seconds) is the idle time before a site whose
	// spec says nothing sleeps; 0: such sites are always on.
	DefaultSleepAfter int
	// MinSleepAfter (seconds) keeps a site from sleeping and waking in a
	// tight loop at the cluster's expense.
	MinSleepAfter int
}

// DefaultLimits are sized for the small sites the platform is for, with
// room for a busy one; an operator raises them in a limits file.
func DefaultLimits() Limits {
	return Limits{
		MaxMemory:          2 << 30,
		MaxMemoryMax:       4 << 30,
		MaxCPU:             4000,
		MaxInstances:       8,
		MaxTotalInstances:  16,
		MaxWorkers:         16,
		MaxThreads:         32,
		MaxProcesses:       8,
		MaxCrons:           16,
		MaxReleaseCommands: 16,
		MaxArgs:            64,
		MaxArgBytes:        4 << 10,
		MaxDomains:         50,
		MaxSecrets:         100,
		MaxStatic:          16,
		MaxConstraints:     16,
		MaxMediaQuota:      50 << 30,
		MaxDBConnections:   100,
		MaxEnvVars:         200,
		MaxEnvValueBytes:   32 << 10,
		MaxEnvBytes:        256 << 10,
		DefaultSleepAfter:  0,
		MinSleepAfter:      60,
	}
}

// limitField ties a limits-file attribute to its Limits field and to the
// range an operator may set it to: a typo such as "4PiB" for memory should
// fail at load time, not silently let every site through.
type limitField struct {
	name   string
	bytes  bool // written as a size with a unit, e.g. "4GiB"
	lo, hi int64
	int64p func(*Limits) *int64
	intp   func(*Limits) *int
}

var limitFields = []limitField{
	{name: "memory", bytes: true, lo: 16 << 20, hi: 1 << 40, int64p: func(l *Limits) *int64 { return &l.MaxMemory }},
	{name: "memory_max", bytes: true, lo: 16 << 20, hi: 4 << 40, int64p: func(l *Limits) *int64 { return &l.MaxMemoryMax }},
	{name: "cpu", lo: 1, hi: 1_000_000, intp: func(l *Limits) *int { return &l.MaxCPU }},
	{name: "instances", lo: 0, hi: 1000, intp: func(l *Limits) *int { return &l.MaxInstances }},
	{name: "total_instances", lo: 1, hi: 10_000, intp: func(l *Limits) *int { return &l.MaxTotalInstances }},
	{name: "workers", lo: 1, hi: 1024, intp: func(l *Limits) *int { return &l.MaxWorkers }},
	{name: "threads", lo: 1, hi: 1024, intp: func(l *Limits) *int { return &l.MaxThreads }},
	{name: "processes", lo: 0, hi: 256, intp: func(l *Limits) *int { return &l.MaxProcesses }},
	{name: "crons", lo: 0, hi: 1024, intp: func(l *Limits) *int { return &l.MaxCrons }},
	{name: "release_commands", lo: 0, hi: 256, intp: func(l *Limits) *int { return &l.MaxReleaseCommands }},
	{name: "args", lo: 1, hi: 4096, intp: func(l *Limits) *int { return &l.MaxArgs }},
	{name: "arg_bytes", bytes: true, lo: 1, hi: 1 << 20, intp: func(l *Limits) *int { return &l.MaxArgBytes }},
	{name: "domains", lo: 1, hi: 10_000, intp: func(l *Limits) *int { return &l.MaxDomains }},
	{name: "secrets", lo: 0, hi: 10_000, intp: func(l *Limits) *int { return &l.MaxSecrets }},
	{name: "static", lo: 0, hi: 256, intp: func(l *Limits) *int { return &l.MaxStatic }},
	{name: "constraints", lo: 0, hi: 256, intp: func(l *Limits) *int { return &l.MaxConstraints }},
	{name: "media_quota", bytes: true, lo: 1 << 20, hi: 1 << 50, int64p: func(l *Limits) *int64 { return &l.MaxMediaQuota }},
	{name: "db_connections", lo: 1, hi: 10_000, intp: func(l *Limits) *int { return &l.MaxDBConnections }},
	{name: "env_vars", lo: 0, hi: 10_000, intp: func(l *Limits) *int { return &l.MaxEnvVars }},
	{name: "env_value_bytes", bytes: true, lo: 1, hi: 1 << 20, intp: func(l *Limits) *int { return &l.MaxEnvValueBytes }},
	{name: "env_bytes", bytes: true, lo: 1, hi: 16 << 20, intp: func(l *Limits) *int { return &l.MaxEnvBytes }},
	{name: "sleep_after", lo: 0, hi: maxSleepAfterSeconds, intp: func(l *Limits) *int { return &l.DefaultSleepAfter }},
	{name: "min_sleep_after", lo: 1, hi: maxSleepAfterSeconds, intp: func(l *Limits) *int { return &l.MinSleepAfter }},
}

var limitsFileSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "limits"}}}

// LoadLimits reads an operator's limits file:
//
//	limits {
//	  memory_max = "8GiB"
//	  instances  = 16
//	}
//
// Fields left out keep their DefaultLimits value; unknown fields are
// errors, as in site specs.
func LoadLimits(path string) (Limits, error) {
	l := DefaultLimits()
	src, diags, err := readSpecFile(path, maxFileBytes)
	if err != nil {
		return l, err
	}
	if diags.HasErrors() {
		return l, &SpecError{Diags: diags, Files: rawFiles(map[string][]byte{path: src})}
	}
	if d := checkNesting(path, src); d.HasErrors() {
		return l, &SpecError{Diags: d, Files: rawFiles(map[string][]byte{path: src})}
	}
	f, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	files := map[string]*hcl.File{path: f}
	if diags.HasErrors() {
		return l, &SpecError{Diags: diags, Files: files}
	}
	diags = append(diags, checkStructure(f.Body.(*hclsyntax.Body))...)
	if diags.HasErrors() {
		return l, &SpecError{Diags: diags, Files: files}
	}
	content, d := f.Body.Content(limitsFileSchema)
	diags = append(diags, d...)
	for i, blk := range content.Blocks {
		if i > 0 {
			diags = append(diags, errAt("Duplicate limits block", fmt.Errorf("a limits file has one limits block"), blk.DefRange))
			continue
		}
		diags = append(diags, decodeLimits(blk.Body, &l)...)
	}
	if diags.HasErrors() {
		return l, &SpecError{Diags: diags, Files: files}
	}
	return l, nil
}

func decodeLimits(body hcl.Body, l *Limits) hcl.Diagnostics {
	schema := &hcl.BodySchema{}
	for _, f := range limitFields {
		schema.Attributes = append(schema.Attributes, hcl.AttributeSchema{Name: f.name})
	}
	content, diags := body.Content(schema)
	budget := newEvalBudget()
	for _, f := range limitFields {
		a, ok := content.Attributes[f.name]
		if !ok {
			continue
		}
		// No variables or functions here; the bound still keeps a
		// for-expression over literals from running away.
		if d := budget.check(a.Expr, nil); d.HasErrors() {
			diags = append(diags, d...)
			continue
		}
		v, d := decodeLimitValue(f, a.Expr)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		if v < f.lo || v > f.hi {
			diags = append(diags, errAt("Invalid limit", fmt.Errorf("%s = %s must be between %s and %s", f.name, f.show(v), f.show(f.lo), f.show(f.hi)), a.Expr.Range()))
			continue
		}
		if f.int64p != nil {
			*f.int64p(l) = v
		} else {
			*f.intp(l) = int(v)
		}
	}
	return diags
}

func decodeLimitValue(f limitField, expr hcl.Expression) (int64, hcl.Diagnostics) {
	if f.bytes {
		var s string
		if d := gohcl.DecodeExpression(expr, nil, &s); d.HasErrors() {
			return 0, d
		}
		n, err := parseSize(s)
		if err != nil {
			return 0, hcl.Diagnostics{errAt("Invalid limit", fmt.Errorf("%s: %w", f.name, err), expr.Range())}
		}
		return n, nil
	}
	v, d := expr.Value(nil)
	if d.HasErrors() {
		return 0, d
	}
	if v.Type() != cty.Number || v.IsNull() || !v.IsKnown() {
		return 0, hcl.Diagnostics{errAt("Invalid limit", fmt.Errorf("%s must be a whole number", f.name), expr.Range())}
	}
	bf := v.AsBigFloat()
	n, acc := bf.Int64()
	if !bf.IsInt() || acc != big.Exact {
		return 0, hcl.Diagnostics{errAt("Invalid limit", fmt.Errorf("%s must be a whole number between %d and %d", f.name, f.lo, f.hi), expr.Range())}
	}
	return n, nil
}

func (f limitField) show(v int64) string {
	if f.bytes {
		return showBytes(v)
	}
	return fmt.Sprint(v)
}

// showBytes writes a size the way a spec would, "4GiB", so a message can
// be pasted back into a spec or a limits file.
func showBytes(v int64) string {
	for _, u := range []struct {
		name  string
		shift uint
	}{{"PiB", 50}, {"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}} {
		if v >= 1<<u.shift && v%(1<<u.shift) == 0 {
			return fmt.Sprintf("%d%s", v>>u.shift, u.name)
		}
	}
	if v >= 1<<10 {
		return humanize.IBytes(uint64(v))
	}
	return fmt.Sprintf("%dB", v)
}

// overLimit is the diagnostic for a value above an operator's cap: it names
// the spec field, the cap and the limits-file field that sets it.
func overLimit(field, value, limitName, limit string, r hcl.Range) *hcl.Diagnostic {
	return errAt("Limit exceeded", fmt.Errorf("%s %s is above this cluster's limit of %s (limits: %s)", field, value, limit, limitName), r)
}

// overCount is the diagnostic for more items of one kind than a cap
// allows, at the first one over it.
func overCount(what string, n, limit int, limitName string, r hcl.Range) *hcl.Diagnostic {
	return errAt("Limit exceeded", fmt.Errorf("this site has %d %s; this cluster's limit is %d (limits: %s)", n, what, limit, limitName), r)
}

// resolve gives the limits a parse runs with: the zero value stands for
// DefaultLimits(), so callers that do not care need not build one.
func (l Limits) resolve() Limits {
	if l == (Limits{}) {
		return DefaultLimits()
	}
	// A negative cap means nothing more than none.
	for _, f := range limitFields {
		if f.int64p != nil {
			*f.int64p(&l) = max(*f.int64p(&l), 0)
		} else {
			*f.intp(&l) = max(*f.intp(&l), 0)
		}
	}
	return l
}
