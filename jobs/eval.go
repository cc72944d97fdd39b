package jobs

import (
	"container/heap"
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// functions are the pure functions a spec may call. Nothing that reads the
// environment, files or the clock: a spec must mean the same on every
// machine it is applied from.
var functions = map[string]function.Function{
	"upper": stdlib.UpperFunc, "lower": stdlib.LowerFunc, "title": stdlib.TitleFunc,
	"format": stdlib.FormatFunc, "formatlist": stdlib.FormatListFunc,
	"join": stdlib.JoinFunc, "split": stdlib.SplitFunc, "replace": stdlib.ReplaceFunc,
	"trimspace": stdlib.TrimSpaceFunc, "trimprefix": stdlib.TrimPrefixFunc, "trimsuffix": stdlib.TrimSuffixFunc,
	"substr": stdlib.SubstrFunc, "strlen": stdlib.StrlenFunc,
	"concat": stdlib.ConcatFunc, "flatten": stdlib.FlattenFunc, "distinct": stdlib.DistinctFunc,
	"length": stdlib.LengthFunc, "element": stdlib.ElementFunc, "contains": stdlib.ContainsFunc,
	"keys": stdlib.KeysFunc, "values": stdlib.ValuesFunc, "lookup": stdlib.LookupFunc, "merge": stdlib.MergeFunc,
	"range": stdlib.RangeFunc, "min": stdlib.MinFunc, "max": stdlib.MaxFunc,
	"coalesce": stdlib.CoalesceFunc, "tostring": stdlib.MakeToFunc(cty.String), "tonumber": stdlib.MakeToFunc(cty.Number),
}

var (
	variableSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "default"}, {Name: "description"}}}
)

// Caps on what locals hold once evaluated: each is rebuilt into the
// object every later expression sees.
const (
	maxLocalBytes  = 1 << 20
	maxLocalsBytes = 4 << 20
)

// evalContext builds what site bodies are evaluated in: var.* from the
// variable blocks (overridden by the caller's values, e.g. --var), local.*
// from the locals blocks, and the functions above.
//
// Every expression is bounded (budget) before it is evaluated.
func evalContext(content *hcl.BodyContent, overrides map[string]string, budget *evalBudget) (*hcl.EvalContext, hcl.Diagnostics) {
	ctx := &hcl.EvalContext{Functions: functions, Variables: map[string]cty.Value{}}
	vars, diags := evalVariables(content.Blocks.OfType("variable"), overrides, budget)
	ctx.Variables["var"] = cty.ObjectVal(vars)
	locals, d := evalLocals(ctx, content.Blocks.OfType("locals"), budget)
	diags = append(diags, d...)
	ctx.Variables["local"] = cty.ObjectVal(locals)
	return ctx, diags
}

func evalVariables(blocks hcl.Blocks, overrides map[string]string, budget *evalBudget) (map[string]cty.Value, hcl.Diagnostics) {
	vars := map[string]cty.Value{}
	var diags hcl.Diagnostics
	for _, b := range blocks {
		name := b.Labels[0]
		if _, dup := vars[name]; dup {
			diags = append(diags, errAt("Duplicate variable", fmt.Errorf("variable %q is declared more than once", name), b.LabelRanges[0]))
			continue
		}
		c, d := b.Body.Content(variableSchema)
		diags = append(diags, d...)
		var def cty.Value
		if a, ok := c.Attributes["default"]; ok {
			// Defaults may not refer to anything: they are the inputs.
			if d := budget.check(a.Expr, nil); d.HasErrors() {
				diags = append(diags, d...)
				vars[name] = cty.DynamicVal
				continue
			}
			v, d := a.Expr.Value(nil)
			diags = append(diags, d...)
			def = v
		}
		if s, ok := overrides[name]; ok {
			if len(s) > maxVarBytes {
				diags = append(diags, errAt("Variable value too large", fmt.Errorf("--var %s is %d bytes; the limit is %s", name, len(s), showBytes(maxVarBytes)), b.DefRange))
				vars[name] = cty.DynamicVal
				continue
			}
			v, err := fromOverride(s, def)
			if err != nil {
				diags = append(diags, errAt("Invalid variable value", fmt.Errorf("--var %s=%q: %w", name, s, err), b.DefRange))
				continue
			}
			def = v
		}
		if def == cty.NilVal {
			diags = append(diags, errAt("Variable without a value", fmt.Errorf("variable %q has no default; pass --var %s=VALUE", name, name), b.DefRange))
			def = cty.DynamicVal
		}
		vars[name] = def
	}
	var unknown []string
	for name := range overrides {
		if _, ok := vars[name]; !ok {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown)
	for _, name := range unknown {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown variable",
			Detail: fmt.Sprintf("--var %s: no variable %q is declared", name, name)})
	}
	return vars, diags
}

// fromOverride converts a command-line string to the type of the default,
// so --var instances=3 stays a number.
func fromOverride(s string, def cty.Value) (cty.Value, error) {
	v := cty.StringVal(s)
	if def == cty.NilVal || def.Type() == cty.String || !def.Type().IsPrimitiveType() {
		return v, nil
	}
	return convert.Convert(v, def.Type())
}

// evalLocals evaluates locals in dependency order, so one local may use
// another wherever it is written, and reports cycles and unknown names.
// Each local is evaluated with only the locals it names (local.NAME) in
// scope: building the object of every local for each one would be
// quadratic in the number of locals.
func evalLocals(ctx *hcl.EvalContext, blocks hcl.Blocks, budget *evalBudget) (map[string]cty.Value, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	pending := map[string]*hcl.Attribute{}
	for _, b := range blocks {
		attrs, d := b.Body.JustAttributes()
		diags = append(diags, d...)
		for _, name := range sortedKeys(attrs) {
			a := attrs[name]
			if prev, dup := pending[name]; dup {
				diags = append(diags, errAt("Duplicate local", fmt.Errorf("local %q is also defined at line %d", name, prev.Range.Start.Line), a.NameRange))
				continue
			}
			pending[name] = a
		}
	}
	deps := map[string][]string{}
	waiting := map[string]int{}    // local -> dependencies not yet evaluated
	users := map[string][]string{} // local -> locals that use it
	var ready stringHeap
	for _, name := range sortedKeys(pending) {
		deps[name] = localDeps(pending[name].Expr)
		for _, dep := range deps[name] {
			waiting[name]++
			users[dep] = append(users[dep], name)
		}
		if waiting[name] == 0 {
			ready = append(ready, name)
		}
	}
	heap.Init(&ready)
	locals := map[string]cty.Value{}
	var total float64
	for len(ready) > 0 {
		name := heap.Pop(&ready).(string)
		a := pending[name]
		delete(pending, name)
		for _, u := range users[name] {
			if waiting[u]--; waiting[u] == 0 {
				heap.Push(&ready, u)
			}
		}
		scope := make(map[string]cty.Value, len(deps[name]))
		for _, dep := range deps[name] {
			scope[dep] = locals[dep]
		}
		c := ctx.NewChild()
		c.Variables = map[string]cty.Value{"local": cty.ObjectVal(scope)}
		if d := budget.check(a.Expr, c); d.HasErrors() {
			diags = append(diags, d...)
			locals[name] = cty.DynamicVal
			continue
		}
		v, d := a.Expr.Value(c)
		diags = append(diags, d...)
		// The bound is on what an expression could produce; the value
		// itself is held for the rest of the parse.
		size := valueBound(v).size
		if total += size; size > maxLocalBytes || total > maxLocalsBytes {
			diags = append(diags, errAt("Local too large", fmt.Errorf("local %q is %s (all locals so far: %s); the limits are %s for one and %s for all",
				name, showSize(size), showSize(total), showBytes(maxLocalBytes), showBytes(maxLocalsBytes)), a.Expr.Range()))
			v = cty.DynamicVal
		}
		locals[name] = v
	}
	for _, name := range sortedKeys(pending) {
		a := pending[name]
		diags = append(diags, errAt("Unresolvable local", fmt.Errorf("local %q refers to a local that is undefined or part of a cycle", name), a.Expr.Range()))
		locals[name] = cty.DynamicVal
	}
	return locals, diags
}

// localDeps lists the locals an expression names as local.NAME, once each.
func localDeps(e hcl.Expression) []string {
	var out []string
	seen := map[string]bool{}
	for _, tr := range e.Variables() {
		if tr.RootName() != "local" || len(tr) < 2 {
			continue
		}
		if attr, ok := tr[1].(hcl.TraverseAttr); ok && !seen[attr.Name] {
			seen[attr.Name] = true
			out = append(out, attr.Name)
		}
	}
	return out
}

// stringHeap hands out ready locals in name order, so that diagnostics
// come out the same on every run.
type stringHeap []string

func (h stringHeap) Len() int           { return len(h) }
func (h stringHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h stringHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *stringHeap) Push(x any)        { *h = append(*h, x.(string)) }
func (h *stringHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
