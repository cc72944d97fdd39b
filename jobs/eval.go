package jobs

import (
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

// evalContext builds what site bodies are evaluated in: var.* from the
// variable blocks (overridden by the caller's values, e.g. --var), local.*
// from the locals blocks, and the functions above.
func evalContext(content *hcl.BodyContent, overrides map[string]string) (*hcl.EvalContext, hcl.Diagnostics) {
	ctx := &hcl.EvalContext{Functions: functions, Variables: map[string]cty.Value{}}
	vars, diags := evalVariables(content.Blocks.OfType("variable"), overrides)
	ctx.Variables["var"] = cty.ObjectVal(vars)
	locals, d := evalLocals(ctx, content.Blocks.OfType("locals"))
	diags = append(diags, d...)
	ctx.Variables["local"] = cty.ObjectVal(locals)
	return ctx, diags
}

func evalVariables(blocks hcl.Blocks, overrides map[string]string) (map[string]cty.Value, hcl.Diagnostics) {
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
			v, d := a.Expr.Value(nil)
			diags = append(diags, d...)
			def = v
		}
		if s, ok := overrides[name]; ok {
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
func evalLocals(ctx *hcl.EvalContext, blocks hcl.Blocks) (map[string]cty.Value, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	pending := map[string]*hcl.Attribute{}
	for _, b := range blocks {
		attrs, d := b.Body.JustAttributes()
		diags = append(diags, d...)
		for name, a := range attrs {
			if prev, dup := pending[name]; dup {
				diags = append(diags, errAt("Duplicate local", fmt.Errorf("local %q is also defined at line %d", name, prev.Range.Start.Line), a.NameRange))
				continue
			}
			pending[name] = a
		}
	}
	locals := map[string]cty.Value{}
	for len(pending) > 0 {
		progressed := false
		for _, name := range sortedKeys(pending) {
			a := pending[name]
			if !localsReady(a.Expr, locals) {
				continue
			}
			c := ctx.NewChild()
			c.Variables = map[string]cty.Value{"local": cty.ObjectVal(locals)}
			v, d := a.Expr.Value(c)
			diags = append(diags, d...)
			locals[name] = v
			delete(pending, name)
			progressed = true
		}
		if !progressed {
			for _, name := range sortedKeys(pending) {
				a := pending[name]
				diags = append(diags, errAt("Unresolvable local", fmt.Errorf("local %q refers to a local that is undefined or part of a cycle", name), a.Expr.Range()))
				locals[name] = cty.DynamicVal
			}
			break
		}
	}
	return locals, diags
}

// localsReady reports whether every local.X the expression uses has a value.
func localsReady(e hcl.Expression, locals map[string]cty.Value) bool {
	for _, tr := range e.Variables() {
		if tr.RootName() != "local" || len(tr) < 2 {
			continue
		}
		if attr, ok := tr[1].(hcl.TraverseAttr); ok {
			if _, done := locals[attr.Name]; !done {
				return false
			}
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
