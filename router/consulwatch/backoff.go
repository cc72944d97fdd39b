package consulwatch

import (
	"math/rand/v2"
	"net"
	"strconv"
	"time"
)

// backoff spaces retries while Consul is down: fast at first so a blip is
// invisible, capped so a long outage costs little, jittered so many routers
// do not return in lockstep.
type backoff struct{ cur time.Duration }

const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
)

func newBackoff() *backoff { return &backoff{} }

func (b *backoff) next() time.Duration {
	b.cur = min(max(b.cur*2, minBackoff), maxBackoff)
	return b.cur/2 + rand.N(b.cur/2+1)
}

func (b *backoff) reset() { b.cur = 0 }

func joinHostPort(host string, port int) string {
	return net.JoinHostPort(host, strconv.Itoa(port))
}
