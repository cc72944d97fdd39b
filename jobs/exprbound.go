package jobs

import (
	"fmt"
	"math"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Evaluating a tenant's expression is the expensive step: one template,
// for-expression or function call can multiply sizes (locals doubled 40
// times through join, format("%0999999999d", 1)), and HCL gives no way to
// stop an evaluation half-way. So every expression is bounded from its
// syntax tree first, and refused, with its range, when the bound is too
// big. The bound is sound, not tight: a harmless spec can be refused for
// what it could have produced, never the other way round.
const (
	maxExprBytes = 1 << 20 // what any sub-expression may produce
	// A step of work is about a byte made or compared, or a nanosecond.
	maxExprWork = 16 << 20 // steps to evaluate one expression
	maxSpecWork = 64 << 20 // the same over every expression of a spec
	// maxExprDepth bounds syntax trees the lexer cannot see: a+b+c+... and
	// a[0][0]... parse in loops but evaluate recursively.
	maxExprDepth = 100
	// stringSlack covers Unicode normalisation where cty joins strings:
	// cty normalises every string it makes (NFC), and the seams of two
	// normalised strings may grow a little.
	stringSlack = 8
	// iterationCost is what one iteration of a for-expression costs beyond
	// its results (a child scope, the key and value).
	iterationCost = 64
)

// bound is what evaluating an expression can produce at most, in the
// size model of valuesize.go.
type bound struct {
	size   float64 // the value written out
	elems  float64 // elements, when a collection
	elem   float64 // the largest element or key (the size itself for a scalar)
	digits float64 // the longest number the value, or any string in it, converts to
	// keySize and keyDigits bound the keys a for-expression sees.
	keySize, keyDigits float64
	// nodes bounds the parts of the value's type (1 for a string, 1 plus
	// its elements' for a tuple), elemNodes those of any one element:
	// converting a tuple costs in proportion (unifyWork).
	nodes, elemNodes float64
	work             float64 // bytes produced while evaluating
	// val is the exact value when it is known without evaluating anything
	// unbounded: literals, variables, evaluated locals, and operations on
	// those whose own bound was checked first.
	val cty.Value
	// pending is that operation, on literal operands, to evaluate for val
	// once the bound has passed the caps.
	pending hclsyntax.Expression
}

// scalar bounds a string (or number, or bool) of at most n bytes whose
// content is not known.
func scalar(n float64) bound {
	return bound{size: n, elem: n, digits: lengthDigits(n), keySize: n, keyDigits: lengthDigits(n), nodes: 1}
}

func number(digits float64) bound {
	return bound{size: digits, elem: digits, digits: digits, keySize: digits, keyDigits: digits, nodes: 1}
}

// collection bounds a collection of n elements of at most elem bytes each.
func collection(size, n float64, el bound) bound {
	return bound{size: size, elems: n, elem: math.Max(el.size, el.keySize), digits: math.Max(el.digits, el.keyDigits),
		keySize: math.Max(el.size, 20), keyDigits: math.Max(el.digits, lengthDigits(el.size)),
		nodes: 1 + n*math.Max(el.nodes, 1), elemNodes: math.Max(el.nodes, 1)}
}

// element bounds any element (or key, or attribute) of b.
func (b bound) element() bound {
	return bound{size: b.elem, elems: b.elem / elemOverhead, elem: b.elem, digits: b.digits,
		keySize: b.elem, keyDigits: b.digits, nodes: b.elemNodes, elemNodes: math.Max(b.elemNodes-1, 0)}
}

// joined is the larger of two bounds, for a value that is one or the other.
func joined(a, b bound) bound {
	return bound{size: math.Max(a.size, b.size), elems: math.Max(a.elems, b.elems), elem: math.Max(a.elem, b.elem),
		digits: math.Max(a.digits, b.digits), keySize: math.Max(a.keySize, b.keySize), keyDigits: math.Max(a.keyDigits, b.keyDigits),
		nodes: math.Max(a.nodes, b.nodes), elemNodes: math.Max(a.elemNodes, b.elemNodes)}
}

// conversionWork is what converting s bytes to a number costs: math/big
// parses decimal strings in quadratic time (1 MiB of digits took 3 s).
func conversionWork(s float64) float64 { return s * s / 256 }

// unifyWork is what converting a tuple to a list costs, which happens
// wherever a function or a spec field wants a list: cty compares the type
// of every element with every other (join over a tuple of 10,000 strings
// took a second), and a type costs as much to compare as it has parts.
func unifyWork(b bound) float64 {
	if b.elems < 2 {
		return 0
	}
	return b.elems * b.elems * 5 * (1 + b.elemNodes)
}

// evalBudget carries the bound of a whole spec: every expression that is
// evaluated is checked against it first, and charged to it.
type evalBudget struct {
	spent float64
	// known caches the bounds of variables and locals, which are walked
	// once however often a spec refers to them.
	known map[string]bound
}

func newEvalBudget() *evalBudget { return &evalBudget{known: map[string]bound{}} }

// check bounds expr as it would be evaluated in ctx, charges it to the
// spec and reports why it cannot be evaluated, at the offending
// sub-expression.
func (b *evalBudget) check(expr hcl.Expression, ctx *hcl.EvalContext) hcl.Diagnostics {
	_, diags := b.bound(expr, ctx)
	return diags
}

func (b *evalBudget) bound(expr hcl.Expression, ctx *hcl.EvalContext) (bound, hcl.Diagnostics) {
	e, ok := expr.(hclsyntax.Expression)
	if !ok {
		return tooBig, hcl.Diagnostics{errAt("Unsupported expression", fmt.Errorf("only HCL native syntax is accepted"), expr.Range())}
	}
	w := &boundWalker{ctx: ctx, budget: b, scope: map[string]bound{}, anon: map[*hclsyntax.AnonSymbolExpr]bound{}}
	r := w.walk(e, 0)
	if w.err != nil {
		return tooBig, hcl.Diagnostics{w.err}
	}
	cost := math.Max(r.work, r.size)
	if b.spent+cost > maxSpecWork {
		return tooBig, hcl.Diagnostics{errAt("Value too large", fmt.Errorf("the spec's expressions together could take more than %d steps to evaluate; this one up to %s",
			maxSpecWork, showCount(cost)), e.Range())}
	}
	b.spent += cost
	return r, nil
}

// numberAttrs are the attributes of a site's blocks that decode into
// numbers. Decoding converts a string to a number, and math/big parses
// long digit strings in quadratic time, so these are held to what a
// number can plausibly be written as.
var numberAttrs = map[string]map[string]bool{
	"process":  {"instances": true, "workers": true, "threads": true, "max_requests": true, "cpu": true},
	"cron":     {"cpu": true},
	"database": {"connection_limit": true},
}

const maxNumberText = 256

// checkBody checks every attribute of a site body and of the blocks in it,
// in source order, before any of them is decoded. blockType is the type
// of the block body belongs to ("" for the site itself).
func (b *evalBudget) checkBody(body hcl.Body, ctx *hcl.EvalContext, blockType string) hcl.Diagnostics {
	sb, ok := body.(*hclsyntax.Body)
	if !ok {
		return hcl.Diagnostics{errAt("Unsupported expression", fmt.Errorf("only HCL native syntax is accepted"), body.MissingItemRange())}
	}
	var diags hcl.Diagnostics
	for _, a := range sortedAttributes(sb) {
		r, d := b.bound(a.Expr, ctx)
		if !d.HasErrors() && unifyWork(r) > maxExprWork {
			// Decoding converts the value to the field's type.
			d = append(d, errAt("Value too large", fmt.Errorf("this value has up to %s elements; converting it to a list could take %s steps; the limit is %d",
				showCount(r.elems), showCount(unifyWork(r)), maxExprWork), a.Expr.Range()))
		}
		diags = append(diags, d...)
		if !d.HasErrors() && numberAttrs[blockType][a.Name] && r.size > maxNumberText {
			diags = append(diags, errAt("Invalid "+a.Name, fmt.Errorf("%s is a number; this expression could produce %s", a.Name, showSize(r.size)), a.Expr.Range()))
		}
	}
	for _, blk := range sb.Blocks {
		diags = append(diags, b.checkBody(blk.Body, ctx, blk.Type)...)
	}
	return diags
}

func sortedAttributes(b *hclsyntax.Body) []*hclsyntax.Attribute {
	attrs := make([]*hclsyntax.Attribute, 0, len(b.Attributes))
	for _, a := range b.Attributes {
		attrs = append(attrs, a)
	}
	sort.Slice(attrs, func(i, j int) bool { return attrs[i].SrcRange.Start.Byte < attrs[j].SrcRange.Start.Byte })
	return attrs
}

// showSize writes a bound; near the limits in bytes, so that "1.0 MiB"
// does not read as under "1MiB".
func showSize(f float64) string {
	switch {
	case f >= 1<<62 || math.IsInf(f, 0) || math.IsNaN(f):
		return "an unbounded amount"
	case f < 100<<20:
		return fmt.Sprintf("%d bytes", int64(math.Ceil(f)))
	}
	return showBytes(int64(f))
}

type boundWalker struct {
	ctx    *hcl.EvalContext
	budget *evalBudget
	// scope holds the iteration variables of the for-expressions around
	// the node being walked, anon the items of the splats around it.
	scope map[string]bound
	anon  map[*hclsyntax.AnonSymbolExpr]bound
	err   *hcl.Diagnostic
}

var tooBig = bound{size: math.Inf(1), work: math.Inf(1)}

func (w *boundWalker) fail(r hcl.Range, err error) bound {
	if w.err == nil {
		w.err = errAt("Value too large", err, r)
	}
	return tooBig
}

// walk bounds e and refuses it, at e's range, when the bound is over the
// caps; the first refusal stops the walk.
func (w *boundWalker) walk(e hclsyntax.Expression, depth int) bound {
	if w.err != nil {
		return tooBig
	}
	if depth > maxExprDepth {
		if w.err == nil {
			w.err = errAt("Expression too complex", fmt.Errorf("expressions nest more than %d deep here", maxExprDepth), e.Range())
		}
		return tooBig
	}
	b := w.node(e, depth+1)
	if w.err != nil {
		return tooBig
	}
	if b.size > maxExprBytes {
		if lit, ok := e.(*hclsyntax.LiteralValueExpr); ok && lit.Val.Type() == cty.Number {
			return w.fail(e.Range(), fmt.Errorf("this number is about %s digits long written out; the limit is %s", showCount(b.size), showBytes(maxExprBytes)))
		}
		return w.fail(e.Range(), fmt.Errorf("this expression could produce %s; the limit is %s (%d bytes)", showSize(b.size), showBytes(maxExprBytes), maxExprBytes))
	}
	if b.work > maxExprWork {
		return w.fail(e.Range(), fmt.Errorf("evaluating this expression could take %s steps; the limit is %d", showCount(b.work), maxExprWork))
	}
	if b.pending != nil {
		// Safe now: the operation's inputs are known and its cost is
		// within the bound just checked.
		v, d := b.pending.Value(w.ctx)
		b.pending = nil
		if !d.HasErrors() && v.IsWhollyKnown() {
			// Every operation's work ends with the size of what it made;
			// now that is known, it replaces the bound's guess (range's
			// 1024 elements), which a for-expression would multiply.
			x := valueBound(v)
			x.work = b.work - b.size + x.size
			return x
		}
	}
	return b
}

func showCount(f float64) string {
	if f >= 1<<62 || math.IsInf(f, 0) || math.IsNaN(f) {
		return "unboundedly many"
	}
	return fmt.Sprint(int64(math.Ceil(f)))
}

// node bounds one node from the bounds of its children. Node types this
// does not know are refused: a bound cannot be sound for an unknown
// semantics, and the parser makes only the types below.
func (w *boundWalker) node(e hclsyntax.Expression, depth int) bound {
	switch e := e.(type) {
	case *hclsyntax.LiteralValueExpr:
		return valueBound(e.Val)
	case *hclsyntax.ScopeTraversalExpr:
		return w.traversal(e)
	case *hclsyntax.RelativeTraversalExpr:
		src := w.walk(e.Source, depth)
		if src.val != cty.NilVal {
			if v, d := e.Traversal.TraverseRel(src.val); !d.HasErrors() {
				return w.exact(v, src.work)
			}
		}
		b := src.element()
		b.work = src.work
		return b
	case *hclsyntax.IndexExpr:
		c, k := w.walk(e.Collection, depth), w.walk(e.Key, depth)
		if c.val != cty.NilVal && k.val != cty.NilVal {
			if v, d := hcl.Index(c.val, k.val, nil); !d.HasErrors() {
				return w.exact(v, c.work+k.work+k.size)
			}
		}
		b := c.element()
		b.work = c.work + k.work + conversionWork(k.size) + k.size
		return b
	case *hclsyntax.ParenthesesExpr:
		return w.walk(e.Expression, depth)
	case *hclsyntax.TemplateWrapExpr:
		return w.walk(e.Wrapped, depth)
	case *hclsyntax.TemplateExpr:
		return w.template(e, depth)
	case *hclsyntax.TemplateJoinExpr:
		t := w.walk(e.Tuple, depth)
		b := scalar(t.size + stringSlack)
		b.work = t.work + b.size
		return b
	case *hclsyntax.TupleConsExpr:
		return w.tuple(e, depth)
	case *hclsyntax.ObjectConsExpr:
		return w.object(e, depth)
	case *hclsyntax.ObjectConsKeyExpr:
		if kw := hcl.ExprAsKeyword(e.Wrapped); kw != "" && !e.ForceNonLiteral {
			return valueBound(cty.StringVal(kw))
		}
		return w.walk(e.Wrapped, depth)
	case *hclsyntax.FunctionCallExpr:
		return w.call(e, depth)
	case *hclsyntax.ConditionalExpr:
		return w.conditional(e, depth)
	case *hclsyntax.UnaryOpExpr:
		return w.unary(e, depth)
	case *hclsyntax.BinaryOpExpr:
		return w.binary(e, depth)
	case *hclsyntax.ForExpr:
		return w.forExpr(e, depth)
	case *hclsyntax.SplatExpr:
		return w.splat(e, depth)
	case *hclsyntax.AnonSymbolExpr:
		if b, ok := w.anon[e]; ok {
			return b
		}
		return bound{val: cty.DynamicVal}
	case *hclsyntax.ExprSyntaxError:
		return bound{val: cty.DynamicVal}
	}
	return w.fail(e.Range(), fmt.Errorf("%T is not an expression a spec may use", e))
}

// exact is the bound of a value computed while bounding, with the work
// spent reaching it.
func (w *boundWalker) exact(v cty.Value, work float64) bound {
	b := valueBound(v)
	b.work = work
	return b
}

// evalExact marks e, an operation on known values, for evaluation once b
// has passed the caps (see walk); if that fails, b stands.
func (w *boundWalker) evalExact(e hclsyntax.Expression, b bound) bound {
	b.pending = e
	return b
}

func lit(v cty.Value, r hcl.Range) hclsyntax.Expression {
	return &hclsyntax.LiteralValueExpr{Val: v, SrcRange: r}
}

func (w *boundWalker) traversal(e *hclsyntax.ScopeTraversalExpr) bound {
	root := e.Traversal.RootName()
	if ib, ok := w.scope[root]; ok {
		if len(e.Traversal) == 1 {
			return ib
		}
		return ib.element()
	}
	key, cacheable := traversalKey(e.Traversal)
	if cacheable {
		if b, ok := w.budget.known[key]; ok {
			return b
		}
	}
	v, d := e.Value(w.ctx)
	if d.HasErrors() {
		// Evaluation will fail here too and yield an unknown value,
		// which nothing renders.
		return bound{val: cty.DynamicVal}
	}
	b := valueBound(v)
	if cacheable {
		w.budget.known[key] = b
	}
	return b
}

// traversalKey names var.x and local.y, whose values do not change once
// known; deeper traversals are cheap to bound each time.
func traversalKey(t hcl.Traversal) (string, bool) {
	if len(t) != 2 {
		return "", false
	}
	a, ok := t[1].(hcl.TraverseAttr)
	if !ok || (t.RootName() != "var" && t.RootName() != "local") {
		return "", false
	}
	return t.RootName() + "." + a.Name, true
}

func (w *boundWalker) template(e *hclsyntax.TemplateExpr, depth int) bound {
	var size, work float64
	parts := make([]hclsyntax.Expression, len(e.Parts))
	allKnown := true
	for i, p := range e.Parts {
		b := w.walk(p, depth)
		size += b.size + stringSlack
		work += b.work
		allKnown = allKnown && b.val != cty.NilVal
		parts[i] = lit(b.val, p.Range())
	}
	out := scalar(size)
	out.work = work + size
	if allKnown && w.err == nil {
		return w.evalExact(&hclsyntax.TemplateExpr{Parts: parts, SrcRange: e.SrcRange}, out)
	}
	return out
}

func (w *boundWalker) tuple(e *hclsyntax.TupleConsExpr, depth int) bound {
	var el bound
	var size, work float64
	vals := make([]cty.Value, 0, len(e.Exprs))
	allKnown := true
	var nodes float64
	for _, x := range e.Exprs {
		b := w.walk(x, depth)
		nodes += math.Max(b.nodes, 1)
		size += b.size + elemOverhead
		work += b.work
		el = joined(el, b)
		allKnown = allKnown && b.val != cty.NilVal
		vals = append(vals, b.val)
	}
	out := collection(size, float64(len(e.Exprs)), el)
	out.nodes = 1 + nodes
	out.work = work + size
	if allKnown && w.err == nil {
		return w.exact(cty.TupleVal(vals), out.work)
	}
	return out
}

func (w *boundWalker) object(e *hclsyntax.ObjectConsExpr, depth int) bound {
	var el bound
	var size, work float64
	items := make([]hclsyntax.ObjectConsItem, 0, len(e.Items))
	allKnown := true
	var nodes float64
	for _, it := range e.Items {
		k, v := w.walk(it.KeyExpr, depth), w.walk(it.ValueExpr, depth)
		nodes += math.Max(v.nodes, 1)
		size += k.size + v.size + elemOverhead
		work += k.work + v.work
		el = joined(el, v)
		el.keySize, el.keyDigits = math.Max(el.keySize, k.size), math.Max(el.keyDigits, k.digits)
		allKnown = allKnown && k.val != cty.NilVal && v.val != cty.NilVal
		items = append(items, hclsyntax.ObjectConsItem{KeyExpr: lit(k.val, it.KeyExpr.Range()), ValueExpr: lit(v.val, it.ValueExpr.Range())})
	}
	out := collection(size, float64(len(e.Items)), el)
	out.nodes = 1 + nodes
	out.keySize, out.keyDigits = math.Max(el.keySize, 20), el.keyDigits
	out.work = work + size
	if allKnown && w.err == nil {
		return w.evalExact(&hclsyntax.ObjectConsExpr{Items: items, SrcRange: e.SrcRange, OpenRange: e.OpenRange}, out)
	}
	return out
}

func (w *boundWalker) conditional(e *hclsyntax.ConditionalExpr, depth int) bound {
	c, t, f := w.walk(e.Condition, depth), w.walk(e.TrueResult, depth), w.walk(e.FalseResult, depth)
	// HCL evaluates both results, and unifies their types, so both cost.
	out := joined(t, f)
	out.work = c.work + t.work + f.work + unifyWork(t) + unifyWork(f) + out.size
	if c.val != cty.NilVal && t.val != cty.NilVal && f.val != cty.NilVal && w.err == nil {
		return w.evalExact(&hclsyntax.ConditionalExpr{Condition: lit(c.val, e.Condition.Range()), TrueResult: lit(t.val, e.TrueResult.Range()),
			FalseResult: lit(f.val, e.FalseResult.Range()), SrcRange: e.SrcRange}, out)
	}
	return out
}

func (w *boundWalker) unary(e *hclsyntax.UnaryOpExpr, depth int) bound {
	v := w.walk(e.Val, depth)
	out := number(boolSize)
	if e.Op == hclsyntax.OpNegate {
		out = number(v.digits + 1)
	}
	out.work = v.work + conversionWork(v.size) + out.size
	if v.val != cty.NilVal && w.err == nil {
		return w.evalExact(&hclsyntax.UnaryOpExpr{Op: e.Op, Val: lit(v.val, e.Val.Range()), SrcRange: e.SrcRange, SymbolRange: e.SymbolRange}, out)
	}
	return out
}

var arithmetic = map[*hclsyntax.Operation]bool{
	hclsyntax.OpAdd: true, hclsyntax.OpSubtract: true, hclsyntax.OpMultiply: true, hclsyntax.OpDivide: true, hclsyntax.OpModulo: true,
}

var ordering = map[*hclsyntax.Operation]bool{
	hclsyntax.OpGreaterThan: true, hclsyntax.OpGreaterThanOrEqual: true, hclsyntax.OpLessThan: true, hclsyntax.OpLessThanOrEqual: true,
}

func (w *boundWalker) binary(e *hclsyntax.BinaryOpExpr, depth int) bound {
	l, r := w.walk(e.LHS, depth), w.walk(e.RHS, depth)
	out := number(boolSize)
	out.work = l.work + r.work
	switch {
	case arithmetic[e.Op]:
		// The exponent of a sum, product or quotient is at most the sum
		// of the operands' (cancellation included, the result keeps
		// cty's 512-bit precision).
		out = number(l.digits + r.digits + numberSlack)
		out.work = l.work + r.work + conversionWork(l.size) + conversionWork(r.size) + out.size
	case ordering[e.Op]:
		out.work += conversionWork(l.size) + conversionWork(r.size)
	default:
		out.work += l.size + r.size
	}
	if l.val != cty.NilVal && r.val != cty.NilVal && w.err == nil {
		return w.evalExact(&hclsyntax.BinaryOpExpr{LHS: lit(l.val, e.LHS.Range()), Op: e.Op, RHS: lit(r.val, e.RHS.Range()), SrcRange: e.SrcRange}, out)
	}
	return out
}

func (w *boundWalker) forExpr(e *hclsyntax.ForExpr, depth int) bound {
	c := w.walk(e.CollExpr, depth)
	n := c.elems
	if c.val == cty.NilVal {
		n = math.Max(n, c.size/elemOverhead)
	}
	outer := w.scope
	w.scope = make(map[string]bound, len(outer)+2)
	for k, v := range outer {
		w.scope[k] = v
	}
	defer func() { w.scope = outer }()
	item := c.element()
	if e.KeyVar != "" {
		key := number(c.keySize)
		key.digits, key.keyDigits = c.keyDigits, c.keyDigits
		w.scope[e.KeyVar] = key
	}
	w.scope[e.ValVar] = item
	var k, cond bound
	if e.KeyExpr != nil {
		k = w.walk(e.KeyExpr, depth)
	}
	v := w.walk(e.ValExpr, depth)
	if e.CondExpr != nil {
		cond = w.walk(e.CondExpr, depth)
	}
	per := k.size + v.size + elemOverhead
	el := v
	if e.Group {
		// Grouped values collect into one tuple per key, which may hold
		// every value.
		per += elemOverhead
		el = collection(n*(v.size+elemOverhead), n, v)
	}
	out := collection(n*per, n, el)
	out.keySize, out.keyDigits = math.Max(out.keySize, k.size), math.Max(out.keyDigits, k.digits)
	out.work = c.work + n*(k.work+v.work+cond.work+per+iterationCost) + out.size
	return out
}

func (w *boundWalker) splat(e *hclsyntax.SplatExpr, depth int) bound {
	s := w.walk(e.Source, depth)
	// A source that is not a sequence becomes a one-element tuple.
	n := math.Max(1, s.elems)
	if s.val == cty.NilVal {
		n = math.Max(n, s.size/elemOverhead)
	}
	w.anon[e.Item] = s.element()
	defer delete(w.anon, e.Item)
	each := w.walk(e.Each, depth)
	size := n * (each.size + elemOverhead)
	if projects(e.Each, e.Item) {
		// Attributes of each element add up to no more than the source.
		size = math.Min(size, s.size+elemOverhead)
	}
	out := collection(size, n, each)
	out.work = s.work + n*(each.work+iterationCost) + size
	return out
}

// projects reports whether e only picks parts out of item (item.a.b,
// item[0]), so its results over every element weigh no more than the
// collection.
func projects(e hclsyntax.Expression, item *hclsyntax.AnonSymbolExpr) bool {
	switch e := e.(type) {
	case *hclsyntax.AnonSymbolExpr:
		return e == item
	case *hclsyntax.RelativeTraversalExpr:
		return projects(e.Source, item)
	}
	return false
}

// checkStructure refuses syntax trees deeper than maxExprDepth anywhere in
// a file, before anything walks them recursively (HCL's own Variables()
// does, to order locals).
func checkStructure(body *hclsyntax.Body) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, a := range sortedAttributes(body) {
		if r, deep := tooDeep(a.Expr, 0); deep {
			diags = append(diags, errAt("Expression too complex", fmt.Errorf("expressions nest more than %d deep here", maxExprDepth), r))
		}
	}
	for _, b := range body.Blocks {
		diags = append(diags, checkStructure(b.Body)...)
	}
	return diags
}

func tooDeep(e hclsyntax.Expression, depth int) (hcl.Range, bool) {
	if depth > maxExprDepth {
		return e.Range(), true
	}
	for _, c := range children(e) {
		if c == nil {
			continue
		}
		if r, deep := tooDeep(c, depth+1); deep {
			return r, true
		}
	}
	return hcl.Range{}, false
}

// children lists a node's sub-expressions without hclsyntax.Walk, which
// recurses with no limit.
func children(e hclsyntax.Expression) []hclsyntax.Expression {
	switch e := e.(type) {
	case *hclsyntax.RelativeTraversalExpr:
		return []hclsyntax.Expression{e.Source}
	case *hclsyntax.IndexExpr:
		return []hclsyntax.Expression{e.Collection, e.Key}
	case *hclsyntax.ParenthesesExpr:
		return []hclsyntax.Expression{e.Expression}
	case *hclsyntax.TemplateWrapExpr:
		return []hclsyntax.Expression{e.Wrapped}
	case *hclsyntax.TemplateExpr:
		return e.Parts
	case *hclsyntax.TemplateJoinExpr:
		return []hclsyntax.Expression{e.Tuple}
	case *hclsyntax.TupleConsExpr:
		return e.Exprs
	case *hclsyntax.ObjectConsExpr:
		var out []hclsyntax.Expression
		for _, it := range e.Items {
			out = append(out, it.KeyExpr, it.ValueExpr)
		}
		return out
	case *hclsyntax.ObjectConsKeyExpr:
		return []hclsyntax.Expression{e.Wrapped}
	case *hclsyntax.FunctionCallExpr:
		return e.Args
	case *hclsyntax.ConditionalExpr:
		return []hclsyntax.Expression{e.Condition, e.TrueResult, e.FalseResult}
	case *hclsyntax.UnaryOpExpr:
		return []hclsyntax.Expression{e.Val}
	case *hclsyntax.BinaryOpExpr:
		return []hclsyntax.Expression{e.LHS, e.RHS}
	case *hclsyntax.ForExpr:
		return []hclsyntax.Expression{e.CollExpr, e.KeyExpr, e.ValExpr, e.CondExpr}
	case *hclsyntax.SplatExpr:
		return []hclsyntax.Expression{e.Source, e.Each}
	}
	return nil
}
