package jobs

import (
	"fmt"
	"math"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// callArgs are a call's argument bounds: the ones written out, and, for
// f(xs...), the bound of the expanded collection when its elements are
// not known one by one.
type callArgs struct {
	fixed []bound
	rest  *bound
}

// at is argument i, which an expanded collection may supply.
func (a callArgs) at(i int) bound {
	if i < len(a.fixed) {
		return a.fixed[i]
	}
	if a.rest != nil {
		return a.rest.element()
	}
	return bound{}
}

// tail is every argument from i on, the expanded collection standing for
// all of its elements.
func (a callArgs) tail(i int) []bound {
	var out []bound
	if i < len(a.fixed) {
		out = append(out, a.fixed[i:]...)
	}
	if a.rest != nil {
		out = append(out, a.rest.element())
	}
	return out
}

// total adds up the sizes and element counts of the arguments from i on;
// an expanded collection's elements weigh no more than it does.
func (a callArgs) total(i int) (size, elems float64) {
	for j := i; j < len(a.fixed); j++ {
		size += a.fixed[j].size
		elems += a.fixed[j].elems
	}
	if a.rest != nil {
		size += a.rest.size
		elems += a.rest.size / elemOverhead
	}
	return size, elems
}

func (w *boundWalker) call(e *hclsyntax.FunctionCallExpr, depth int) bound {
	args := make([]bound, len(e.Args))
	lits := make([]hclsyntax.Expression, len(e.Args))
	var work, in float64
	allKnown := true
	for i, x := range e.Args {
		args[i] = w.walk(x, depth)
		// Arguments are converted to the parameters' types.
		work += args[i].work + unifyWork(args[i])
		in += args[i].size
		allKnown = allKnown && args[i].val != cty.NilVal
		lits[i] = lit(args[i].val, x.Range())
	}
	if w.err != nil {
		return tooBig
	}
	ca := callArgs{fixed: args}
	if e.ExpandFinal && len(args) > 0 {
		last := args[len(args)-1]
		ca.fixed = args[:len(args)-1]
		if v := last.val; v != cty.NilVal && v.IsWhollyKnown() && !v.IsNull() && (v.Type().IsListType() || v.Type().IsSetType() || v.Type().IsTupleType()) {
			for it := v.ElementIterator(); it.Next(); {
				_, el := it.Element()
				ca.fixed = append(ca.fixed, valueBound(el))
			}
		} else {
			ca.rest = &last
		}
	}
	if _, ok := functions[e.Name]; !ok {
		// HCL refuses the call before making it.
		return bound{work: work}
	}
	out, ok := funcBound(e.Name, ca)
	if !ok {
		return w.fail(e.Range(), fmt.Errorf("function %s has no size bound", e.Name))
	}
	out.work += work + in + out.size
	if allKnown {
		return w.evalExact(&hclsyntax.FunctionCallExpr{Name: e.Name, Args: lits, ExpandFinal: e.ExpandFinal,
			NameRange: e.NameRange, OpenParenRange: e.OpenParenRange, CloseParenRange: e.CloseParenRange}, out)
	}
	return out
}

// funcBound bounds what each function of eval.go can return from the
// bounds of its arguments. It reports false for a function it does not
// know, so that one added to the spec language without a bound is
// refused rather than trusted (TestEveryFunctionHasABound).
func funcBound(name string, a callArgs) (bound, bool) {
	var out bound
	switch name {
	case "upper", "lower", "title":
		// Case mapping can turn 2 UTF-8 bytes into 3, and cty normalises
		// the result.
		out = scalar(3*a.at(0).size + stringSlack)
	case "trimspace", "trimprefix", "trimsuffix":
		out = scalar(a.at(0).size)
	case "substr":
		out = scalar(a.at(0).size)
		out.work = conversionWork(a.at(1).size) + conversionWork(a.at(2).size)
	case "strlen", "length":
		out = number(20)
	case "format":
		out = scalar(formatBound(a.at(0), a.tail(1)))
		out.work = conversions(a.tail(1))
	case "formatlist":
		n := 1.0
		var items []bound
		for _, x := range a.tail(1) {
			if isSequence(x) {
				n = math.Max(n, x.elems)
				items = append(items, x.element())
			} else {
				// Not known to be a list: it may be one (iterated) or a
				// value used whole in every item.
				n = math.Max(n, math.Max(x.elems, x.size/elemOverhead))
				items = append(items, x)
			}
		}
		item := formatBound(a.at(0), items)
		out = collection(n*(item+elemOverhead), n, scalar(item))
		out.work = n * conversions(items)
	case "join":
		size, elems := a.total(1)
		out = scalar(size + elems*(a.at(0).size+stringSlack) + stringSlack)
	case "split":
		s := a.at(1).size
		out = collection(s+(s+1)*(elemOverhead+stringSlack), s+1, scalar(s))
	case "replace":
		s, old, repl := a.at(0), a.at(1), a.at(2)
		// With an empty old string, every gap of the string is replaced.
		count := s.size + 1
		if old.val != cty.NilVal && old.val.Type() == cty.String && old.val.IsKnown() && !old.val.IsNull() && len(old.val.AsString()) > 0 {
			count = math.Floor(s.size/float64(len(old.val.AsString()))) + 1
		}
		out = scalar(s.size + count*(repl.size+stringSlack) + stringSlack)
	case "concat", "merge":
		size, elems := a.total(0)
		var el bound
		for _, x := range a.tail(0) {
			el = joined(el, x.element())
		}
		out = collection(size, elems, el)
	case "flatten":
		x := a.at(0)
		out = collection(x.size, x.size/elemOverhead, x.element())
	case "distinct":
		// cty compares every element with every one kept so far.
		x := a.at(0)
		n := math.Max(x.elems, x.size/elemOverhead)
		out = collection(x.size, n, x.element())
		out.work = n * n * elemOverhead
	case "keys", "values":
		x := a.at(0)
		out = collection(x.size, math.Max(x.elems, x.size/elemOverhead), x.element())
	case "element":
		out = a.at(0).element()
		out.work = conversionWork(a.at(1).size)
	case "contains":
		l := a.at(0)
		out = number(boolSize)
		out.work = l.size + math.Max(l.elems, l.size/elemOverhead)*a.at(1).size
	case "lookup":
		out = joined(a.at(0).element(), a.at(2))
	case "range":
		// cty stops at 1024 elements; each is start + k*step.
		var digits float64
		for _, x := range a.tail(0) {
			digits = math.Max(digits, x.digits)
		}
		el := number(digits + numberSlack)
		out = collection(1024*(el.size+elemOverhead), 1024, el)
		out.work = conversions(a.tail(0))
	case "min", "max":
		var digits float64
		for _, x := range a.tail(0) {
			digits = math.Max(digits, x.digits)
		}
		out = number(digits)
		out.work = conversions(a.tail(0))
	case "coalesce":
		for _, x := range a.tail(0) {
			out = joined(out, x)
		}
	case "tostring":
		out = a.at(0)
		out.val, out.work = cty.NilVal, 0
	case "tonumber":
		out = number(a.at(0).digits)
		out.work = conversionWork(a.at(0).size)
	default:
		return bound{}, false
	}
	return out, true
}

func conversions(args []bound) float64 {
	var w float64
	for _, x := range args {
		w += conversionWork(x.size)
	}
	return w
}

func isSequence(b bound) bool {
	if b.val == cty.NilVal || !b.val.IsKnown() || b.val.IsNull() {
		return false
	}
	t := b.val.Type()
	return t.IsListType() || t.IsSetType() || t.IsTupleType()
}

// formatBound bounds format(f, args...): the format's own text, and for
// each verb its width and precision (which pad or extend without limit:
// "%0999999999d") plus the largest argument written out, escaped as JSON
// (%q, %v of a collection: at most 6 bytes a byte) or in binary (%b: 3.4
// digits a decimal digit).
func formatBound(f bound, args []bound) float64 {
	var arg float64
	for _, a := range args {
		arg = math.Max(arg, math.Max(a.size, a.digits))
	}
	perVerb := 6*arg + 64
	if f.val == cty.NilVal || !f.val.IsKnown() || f.val.IsNull() || f.val.Type() != cty.String {
		// Each verb takes at least two bytes, and its width and
		// precision no more digits than the string has.
		return f.size + (f.size/2+1)*(2*math.Pow(10, f.size)+perVerb)
	}
	s := f.val.AsString()
	out := float64(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		// Flags, width, precision and argument index come before the
		// verb letter; every number among them is counted as padding.
		var pad, run float64
		j := i + 1
		for ; j < len(s) && isVerbPrefix(s[j]); j++ {
			if s[j] >= '0' && s[j] <= '9' {
				run = run*10 + float64(s[j]-'0')
			} else {
				pad, run = pad+run, 0
			}
		}
		out += pad + run + perVerb
		i = j
	}
	return out
}

func isVerbPrefix(c byte) bool {
	return c >= '0' && c <= '9' || c == '#' || c == '+' || c == '-' || c == ' ' || c == '.' || c == '[' || c == ']'
}
