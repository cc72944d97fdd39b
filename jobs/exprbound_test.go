package jobs

import (
	"fmt"
	"math"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// boundCtx is what the expressions below are evaluated in: a few
// variables and locals of every kind, and the spec functions.
func boundCtx() *hcl.EvalContext {
	return &hcl.EvalContext{Functions: functions, Variables: map[string]cty.Value{
		"var": cty.ObjectVal(map[string]cty.Value{
			"name": cty.StringVal("shop"), "n": cty.NumberIntVal(3), "port": cty.StringVal("8000"),
			"list": cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.StringVal("bb"), cty.StringVal("ccc")}),
		}),
		"local": cty.ObjectVal(map[string]cty.Value{
			"m":    cty.ObjectVal(map[string]cty.Value{"x": cty.StringVal("1"), "y": cty.StringVal("22")}),
			"big":  cty.StringVal(strings.Repeat("x", 4096)),
			"nums": cty.ListVal([]cty.Value{cty.NumberIntVal(1), cty.NumberIntVal(20), cty.NumberIntVal(300)}),
		}),
	}}
}

var boundSeeds = []string{
	`"${var.name}-${var.n}"`,
	`upper(var.name)`,
	`format("%s-%05d-%.3f-%q-%v", var.name, var.n, 1.5, "a\"b", var.list)`,
	`formatlist("%s=%s", keys(local.m), values(local.m))`,
	`join(",", [for s in var.list : "${s}${s}"])`,
	`join("", [for i in range(10) : local.big])`,
	`split(",", join(",", var.list))`,
	`replace(local.big, "", "ab")`,
	`replace(local.big, "xx", "yyy")`,
	`concat(var.list, var.list, [1, 2])`,
	`flatten([var.list, [var.list]])`,
	`distinct(concat(var.list, var.list))`,
	`{ for k, v in local.m : v => k }`,
	`{ for s in var.list : substr(s, 0, 1) => s... }`,
	`[for i, s in var.list : i * length(s) if s != "a"]`,
	`var.list[*]`,
	`[{ a = "x" }, { a = "yy" }][*].a`,
	`var.n > 2 ? local.big : var.name`,
	`-var.n * 1e300 / 1e-300`,
	`var.port + 1`,
	`tonumber(var.port) % 7`,
	`min(1, 2, var.n) + max(local.nums...)`,
	`lookup(local.m, "z", "default")`,
	`element(var.list, 1)`,
	`merge(local.m, { z = local.big })`,
	`coalesce("", var.name)`,
	`tostring(123456)`,
	`title(lower("HELLO WORLD"))`,
	`trimspace("  x  ")`,
	`strlen(local.big) + length(var.list)`,
	`contains(var.list, "a")`,
	`range(0, 100, 7)`,
	`"%{ for s in var.list }${s},%{ endfor }"`,
	`"%{ if var.n > 1 }many%{ else }one%{ endif }"`,
	`local.m["x"]`,
	`join(",", local.nums)`,
	`format("%x|%o|%b|%e|%g", 255, 8, 5, 123.456, 1e-7)`,
	`format("%[2]s%[1]s%[2]s", "a", local.big)`,
	`1e308 * 1e308`,
	`"${1/3}"`,
}

func parseExpr(t testing.TB, src string) (hclsyntax.Expression, bool) {
	file := []byte("x = " + src + "\n")
	if checkNesting("e.hcl", file).HasErrors() {
		return nil, false
	}
	f, diags := hclsyntax.ParseConfig(file, "e.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		return nil, false
	}
	body := f.Body.(*hclsyntax.Body)
	if checkStructure(body).HasErrors() || body.Attributes["x"] == nil {
		return nil, false
	}
	return body.Attributes["x"].Expr, true
}

// checkSound evaluates an expression whose bound was accepted and fails
// if it made more than the bound said it could.
func checkSound(t *testing.T, src string) {
	e, ok := parseExpr(t, src)
	if !ok {
		return
	}
	ctx := boundCtx()
	b, diags := newEvalBudget().bound(e, ctx)
	if diags.HasErrors() {
		return
	}
	watchdog := time.AfterFunc(20*time.Second, func() {
		debug.SetTraceback("all")
		panic(fmt.Sprintf("evaluating a bounded expression ran for 20s: %.200q", src))
	})
	defer watchdog.Stop()
	v, _ := e.Value(ctx)
	if got := valueBound(v); got.size > b.size || got.digits > math.Max(b.digits, got.size) {
		t.Errorf("%s: made %v bytes (%v digits), bound %v bytes (%v digits)", src, got.size, got.digits, b.size, b.digits)
	}
}

func TestExprBoundIsSound(t *testing.T) {
	for _, src := range boundSeeds {
		t.Run(src, func(t *testing.T) {
			if _, ok := parseExpr(t, src); !ok {
				t.Fatal("seed does not parse")
			}
			if _, diags := newEvalBudget().bound(mustExpr(t, src), boundCtx()); diags.HasErrors() {
				t.Fatalf("a harmless expression was refused: %v", diags)
			}
			checkSound(t, src)
		})
	}
}

func mustExpr(t *testing.T, src string) hclsyntax.Expression {
	e, ok := parseExpr(t, src)
	if !ok {
		t.Fatalf("%s does not parse", src)
	}
	return e
}

func TestExprBoundRefuses(t *testing.T) {
	cases := []struct {
		src, why string
	}{
		{`format("%0999999999d", 1)`, "could produce"},
		{`format("%.99999999f", 1)`, "could produce"},
		{`format(join("", [for i in range(20) : "%"]), 1)`, "could produce"},
		{`join("", [for i in range(1000) : local.big])`, "could produce"},
		{`[for a in range(1000) : [for b in range(1000) : a]]`, "could produce"},
		{`replace(local.big, "", local.big)`, "could produce"},
		{`"1e99999999" + 0`, "could produce"},
		{`tonumber("1e99999999")`, "could produce"},
		{`1e99999999`, "digits long"},
		{`-"1p99999999"`, "could produce"},
		{`join("", [for i in range(20) : local.big]) < 1`, "steps"},
		{`distinct(flatten([for i in range(100) : range(100)]))`, "steps"},
		{`join(",", flatten([for i in range(200) : [for j in range(200) : "x"]]))`, "steps"},
		{`formatlist("%099999s", range(100))`, "could produce"},
	}
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			_, diags := newEvalBudget().bound(mustExpr(t, c.src), boundCtx())
			if !diags.HasErrors() || !strings.Contains(diags[0].Detail, c.why) {
				t.Errorf("diags = %v, want one with %q", diags, c.why)
			}
		})
	}
}

// A function added to the spec language without a size bound would be
// refused everywhere; this names it.
func TestEveryFunctionHasABound(t *testing.T) {
	for name := range functions {
		t.Run(name, func(t *testing.T) {
			if _, ok := funcBound(name, callArgs{fixed: []bound{scalar(1), scalar(1), scalar(1)}}); !ok {
				t.Errorf("function %s has no bound in funcBound", name)
			}
		})
	}
}

func TestStringDigits(t *testing.T) {
	cases := []struct {
		s    string
		want float64 // an upper bound on the rendering that must hold, and be close
	}{
		{"8000", 4},
		{"-12.5", 5},
		{"1e9", 10},
		{"1e99999999", 1e8},
		{"1E-300", 302},
		{"1p1000", 302},
		{"0.0001e5", 2},
		{"abc", 0},
		{"1e", 0},
		{"Inf", 3},
	}
	for _, c := range cases {
		t.Run(c.s, func(t *testing.T) {
			got := stringDigits(c.s)
			if v, err := cty.ParseNumberVal(c.s); err == nil && math.Abs(float64(v.AsBigFloat().MantExp(nil))) < 4000 {
				if n := float64(len(v.AsBigFloat().Text('f', -1))); got < n {
					t.Errorf("stringDigits(%q) = %v, but it renders as %v digits", c.s, got, n)
				}
			}
			if got < c.want || got > c.want+numberSlack+1 {
				t.Errorf("stringDigits(%q) = %v, want about %v", c.s, got, c.want)
			}
		})
	}
}

// FuzzExprBound checks the bound is sound: whatever expression the bound
// lets through makes no more than it said.
func FuzzExprBound(f *testing.F) {
	for _, s := range boundSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 4096 {
			return
		}
		checkSound(t, src)
	})
}
