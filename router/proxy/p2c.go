package proxy

import "math/rand/v2"

// P2C is the default Selector: the power of two choices on outstanding
// requests, two instances at random and the less busy wins. It is nearly
// as good as least-outstanding over all backends, without scanning them,
// and it does not herd every router onto the same idle instance.
//
// Ejected and already-tried instances are skipped while any other is
// available; if every one is out, an untried one is tried anyway, and
// failing that any one, since refusing to try is certain failure.
type P2C struct{}

// Pick implements Selector.
func (P2C) Pick(in Instances) Instance {
	n := in.Len()
	if n == 1 {
		return in.At(0)
	}
	i := rand.IntN(n)
	j := rand.IntN(n - 1)
	if j >= i {
		j++
	}
	a, b := in.At(i), in.At(j)
	switch okA, okB := a.Usable(), b.Usable(); {
	case okA && okB:
		if b.Inflight < a.Inflight {
			return b
		}
		return a
	case okA:
		return a
	case okB:
		return b
	}
	return fallback(&in, a)
}

// fallback scans from a random offset when both drawn instances are out:
// first for any usable one, then for any this request has not tried.
func fallback(in *Instances, drawn Instance) Instance {
	n := in.Len()
	off := rand.IntN(n)
	for k := range n {
		if x := in.At((off + k) % n); x.Usable() {
			return x
		}
	}
	for k := range n {
		if x := in.At((off + k) % n); !x.Tried {
			return x
		}
	}
	return drawn
}
