package proxy

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hostctl/hostctl/router/routes"
)

// inOrder is a deterministic Selector: the first usable instance, else the
// first untried one, else the first.
type inOrder struct{}

func (inOrder) Pick(in Instances) Instance {
	for i := range in.Len() {
		if x := in.At(i); x.Usable() {
			return x
		}
	}
	for i := range in.Len() {
		if x := in.At(i); !x.Tried {
			return x
		}
	}
	return in.At(0)
}

var (
	errTest = errors.New("test failure")
	// A dial refused: nothing sent, the port is dead.
	refusedDial = outcome{err: errTest, blame: true, refused: true, replayable: true}
	// A reused connection found closed before the application saw anything.
	staleConn = outcome{err: errTest, blame: true, replayable: true}
	// The request reached the application and cannot be repeated.
	sentOnce = outcome{err: errTest, blame: true}
	// The client went away: no instance is at fault.
	clientGone = outcome{err: errTest}
)

func TestTryInstances(t *testing.T) {
	cases := []struct {
		name      string
		pol       retryPolicy
		backends  int
		failures  []outcome // the attempts' outcomes in order; later ones succeed
		tries     []int     // backends tried, in order
		wantErr   bool
		ejections float64
		fails     []int32 // consecutive failures recorded per backend afterwards
	}{
		{"first attempt succeeds", fastRetry, 3, nil, []int{0}, false, 0, []int32{0, 0, 0}},
		{"connect failure goes to another instance", fastRetry, 3, []outcome{refusedDial}, []int{0, 1}, false, 1, []int32{1, 0, 0}},
		{"slow path too", slowRetry, 3, []outcome{refusedDial}, []int{0, 1}, false, 1, []int32{1, 0, 0}},
		{"no retry once the request may have been acted on", fastRetry, 3, []outcome{sentOnce}, []int{0}, true, 0, []int32{1, 0, 0}},
		{"client failure blames no instance", fastRetry, 3, []outcome{clientGone}, []int{0}, true, 0, []int32{0, 0, 0}},
		{"gives up after maxAttempts", fastRetry, 5, []outcome{refusedDial, refusedDial, refusedDial, refusedDial},
			[]int{0, 1, 2}, true, 3, []int32{1, 1, 1, 0, 0}},
		{"non-replayable failure after a retry ends it", fastRetry, 3, []outcome{staleConn, sentOnce}, []int{0, 1}, true, 0, []int32{1, 1, 0}},
		{"lone instance, fast path: every attempt, ejected on the third failure", fastRetry, 1,
			[]outcome{staleConn, staleConn, staleConn}, []int{0, 0, 0}, true, 1, []int32{3}},
		{"lone instance, slow path: one redial", slowRetry, 1, []outcome{refusedDial, refusedDial, refusedDial},
			[]int{0, 0}, true, 2, []int32{2}},
		{"success clears the failure count", fastRetry, 1, []outcome{staleConn}, []int{0, 0}, false, 0, []int32{0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := NewMetrics(prometheus.NewRegistry())
			p := New(routes.NewStore(), Config{Selector: inOrder{}, Metrics: m})
			route := &routes.Route{Site: "s"}
			index := map[*upstream]int{}
			for i := range c.backends {
				addr := "10.0.0.1:" + strconv.Itoa(20000+i)
				route.Backends = append(route.Backends, routes.Backend{Addr: addr})
				index[p.upstreams.get(addr)] = i
			}
			var tries []int
			retries, err := p.tryInstances(c.pol, route, 1, func(u *upstream, _ int64) outcome {
				if n := u.inflight.Load(); n != 1 {
					t.Errorf("in flight during the attempt: %d, want 1", n)
				}
				tries = append(tries, index[u])
				if len(tries) <= len(c.failures) {
					return c.failures[len(tries)-1]
				}
				return outcome{}
			})
			if !equalInts(tries, c.tries) {
				t.Errorf("tried %v, want %v", tries, c.tries)
			}
			if retries != len(tries)-1 {
				t.Errorf("retries = %d after %d attempts", retries, len(tries))
			}
			if (err != nil) != c.wantErr {
				t.Errorf("err = %v, want error %v", err, c.wantErr)
			}
			if got := testutil.ToFloat64(m.Ejections); got != c.ejections {
				t.Errorf("ejections = %v, want %v", got, c.ejections)
			}
			for u, i := range index {
				if u.inflight.Load() != 0 || u.fails.Load() != c.fails[i] {
					t.Errorf("backend %d: in flight %d, fails %d (want 0, %d)", i, u.inflight.Load(), u.fails.Load(), c.fails[i])
				}
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSlowOutcome: how the slow path judges a failed RoundTrip for
// tryInstances.
func TestSlowOutcome(t *testing.T) {
	live, _ := http.NewRequest("GET", "http://x/", nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	gone := live.WithContext(ctx)
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	timedOut := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("i/o timeout")}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	cases := []struct {
		name string
		req  *http.Request
		err  error
		want outcome
	}{
		{"success", live, nil, outcome{}},
		{"refused dial", live, refused, outcome{err: refused, blame: true, refused: true, replayable: true}},
		{"dial timeout", live, timedOut, outcome{err: timedOut, blame: true, replayable: true}},
		{"reset after sending", live, reset, outcome{err: reset, blame: true}},
		{"client went away", gone, context.Canceled, outcome{err: context.Canceled}},
		{"dial failed as the client went away", gone, refused, outcome{err: refused, blame: true, refused: true, replayable: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := slowOutcome(c.req, c.err); got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}
