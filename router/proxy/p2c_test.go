package proxy

import (
	"strconv"
	"testing"
	"time"

	"github.com/hostctl/hostctl/router/routes"
)

// instances builds the view a Selector gets: n backends whose upstream
// state set prepares, and the indexes this request already tried.
func instances(n int, set func(i int, u *upstream), tried ...int) Instances {
	now := time.Now().UnixNano()
	in := Instances{us: &upstreams{}, now: now}
	for i := range n {
		in.backends = append(in.backends, routes.Backend{ID: strconv.Itoa(i), Addr: "10.0.0.1:" + strconv.Itoa(20000+i)})
		if set != nil {
			set(i, in.us.get(in.backends[i].Addr))
		}
	}
	for _, i := range tried {
		in.tried[in.ntried] = in.us.get(in.backends[i].Addr)
		in.ntried++
	}
	return in
}

// indexOf finds a picked instance among in's, -1 if it is none of them.
func indexOf(in Instances, x Instance) int {
	for i := range in.Len() {
		if in.At(i).u == x.u && x.u != nil {
			return i
		}
	}
	return -1
}

func eject(u *upstream) { u.ejectedUntil.Store(time.Now().Add(time.Hour).UnixNano()) }

func TestP2C(t *testing.T) {
	cases := []struct {
		name string
		in   Instances
		ok   func(i int) bool // every pick's index must satisfy it
	}{
		{"lone instance", instances(1, nil), func(i int) bool { return i == 0 }},
		{"lone instance even if ejected and tried", instances(1, func(_ int, u *upstream) { eject(u) }, 0),
			func(i int) bool { return i == 0 }},
		{"the less busy of two wins", instances(2, func(i int, u *upstream) { u.inflight.Store(int64(5 - 5*i)) }),
			func(i int) bool { return i == 1 }},
		{"ejected instances are skipped", instances(3, func(i int, u *upstream) {
			if i != 2 {
				eject(u)
			}
		}), func(i int) bool { return i == 2 }},
		{"tried instances are skipped", instances(3, nil, 0, 2), func(i int) bool { return i == 1 }},
		{"an idle but tried instance loses to a busy one", instances(2, func(i int, u *upstream) { u.inflight.Store(int64(9 * i)) }, 0),
			func(i int) bool { return i == 1 }},
		{"all ejected: an untried one anyway", instances(3, func(_ int, u *upstream) { eject(u) }, 0, 1),
			func(i int) bool { return i == 2 }},
		{"all tried: still an instance", instances(2, nil, 0, 1), func(i int) bool { return i == 0 || i == 1 }},
	}
	var sel Selector = P2C{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for range 200 {
				if i := indexOf(c.in, sel.Pick(c.in)); !c.ok(i) {
					t.Fatalf("picked %d", i)
				}
			}
		})
	}
}

// TestP2CSpreadsLoad: among equally idle instances every one gets a share,
// so routers do not herd onto one.
func TestP2CSpreadsLoad(t *testing.T) {
	in := instances(4, nil)
	var sel Selector = P2C{}
	counts := make([]int, in.Len())
	for range 4000 {
		counts[indexOf(in, sel.Pick(in))]++
	}
	for i, n := range counts {
		if n < 700 {
			t.Errorf("instance %d picked %d times of 4000: %v", i, n, counts)
		}
	}
}
