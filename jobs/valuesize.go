package jobs

import (
	"math"
	"math/big"
	"strconv"

	"github.com/zclconf/go-cty/cty"
)

// The size model behind every bound in bounds.go and exprbound.go: a value
// "weighs" what it would take written out as text. A string weighs its
// bytes, a number the digits of its decimal form (cty renders numbers with
// Text('f', -1), so 1e100000000 is 100 MB of digits however small it is in
// memory), a bool 5, and a collection its elements plus elemOverhead each
// (and its keys), so that any byte bound also bounds element counts.
const (
	elemOverhead = 8
	// numberSlack covers the significant digits of cty's 512-bit
	// numbers (about 155), a sign and a point.
	numberSlack = 170
	boolSize    = 5
)

// valueBound is the exact bound of a value known before evaluation: a
// literal, a variable, an already evaluated local.
func valueBound(v cty.Value) bound {
	b := bound{val: v}
	if v == cty.NilVal || !v.IsKnown() || v.IsNull() {
		return b
	}
	b.nodes = 1
	ty := v.Type()
	switch {
	case ty == cty.String:
		s := v.AsString()
		b.size = float64(len(s))
		b.digits = stringDigits(s)
	case ty == cty.Number:
		b.size = numberDigits(v.AsBigFloat())
		b.digits = b.size
	case ty == cty.Bool:
		b.size = boolSize
	case ty.IsCollectionType() || ty.IsObjectType() || ty.IsTupleType():
		keyed := ty.IsMapType() || ty.IsObjectType()
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			eb := valueBound(e)
			b.nodes += math.Max(eb.nodes, 1)
			b.elemNodes = math.Max(b.elemNodes, math.Max(eb.nodes, 1))
			b.size += elemOverhead + eb.size
			b.elems++
			b.elem = math.Max(b.elem, eb.size)
			b.digits = math.Max(b.digits, eb.digits)
			if keyed {
				ks := k.AsString()
				b.size += float64(len(ks))
				b.keySize = math.Max(b.keySize, float64(len(ks)))
				b.keyDigits = math.Max(b.keyDigits, stringDigits(ks))
			}
		}
		if !keyed {
			// Lists, sets and tuples are keyed by their index; a set by
			// its elements, which the element bounds cover.
			b.keySize = numberDigits(big.NewFloat(b.elems))
			b.keyDigits = b.keySize
			if ty.IsSetType() {
				b.keySize, b.keyDigits = b.elem, b.digits
			}
		}
		b.elem = math.Max(b.elem, b.keySize)
		return b
	}
	b.elem = b.size
	return b
}

// numberDigits is an upper bound on len(f.Text('f', -1)), found without
// rendering: rendering a 512-bit number takes tens of microseconds, and a
// spec may hold many, or one of 100 MB.
func numberDigits(f *big.Float) float64 {
	switch {
	case f.IsInf():
		return 4
	case f.Sign() == 0:
		return 1
	case f.IsInt():
		if i, acc := f.Int64(); acc == big.Exact {
			return float64(len(strconv.FormatInt(i, 10)))
		}
		// Below 2^exp: at most exp·log10(2) digits, rounded up, and a sign.
		return math.Ceil(float64(f.MantExp(nil))*math.Log10(2)) + 1
	}
	return math.Abs(float64(f.MantExp(nil)))*math.Log10(2) + numberSlack
}

// stringDigits bounds the decimal form of the number s would convert to
// (cty parses it with big.ParseFloat in base 10): "1e99999999" is 10
// bytes but 100 MB as a number. Strings that are not numbers convert to
// nothing but an error.
func stringDigits(s string) float64 {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	switch s[i:] {
	case "Inf", "inf":
		return 4
	}
	intDigits, leadingZeros, fracZeros, mantissa := 0, 0, 0, 0
	seenPoint, seenNonZero := false, false
	for ; i < len(s); i++ {
		c := s[i]
		if c == '.' && !seenPoint {
			seenPoint = true
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		mantissa++
		switch {
		case c != '0':
			seenNonZero = true
		case !seenNonZero && !seenPoint:
			leadingZeros++
		case !seenNonZero:
			fracZeros++
		}
		if !seenPoint {
			intDigits++
		}
	}
	if mantissa == 0 {
		return 0
	}
	// big.ParseFloat takes a binary exponent ("1p1000") in base 10 too.
	exp, expScale := 0.0, 1.0
	if i < len(s) && (s[i] == 'p' || s[i] == 'P') {
		expScale = math.Log10(2)
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E' || s[i] == 'p' || s[i] == 'P') {
		j := i + 1
		neg := false
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			neg = s[j] == '-'
			j++
		}
		if j == len(s) {
			return 0
		}
		for ; j < len(s); j++ {
			if s[j] < '0' || s[j] > '9' {
				return 0
			}
			exp = exp*10 + float64(s[j]-'0')
		}
		exp *= expScale
		if neg {
			exp = -exp
		}
		i = len(s)
	}
	if i != len(s) {
		return 0
	}
	if !seenNonZero {
		return 1
	}
	mag := float64(intDigits-leadingZeros) + exp
	if intDigits == leadingZeros {
		mag = -float64(fracZeros) + exp
	}
	return math.Abs(mag) + numberSlack
}

// lengthDigits bounds the decimal form of a number spelled by an unknown
// string of at most n bytes: with "1e" in front, n bytes reach 10^(n-2).
func lengthDigits(n float64) float64 {
	if n < 3 {
		return n
	}
	return math.Max(n, math.Pow(10, n-2)) + numberSlack
}
