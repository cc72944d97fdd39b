package proxy

import (
	"bufio"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// upstream is one backend address: its pool of idle keep-alive
// connections, the requests it is serving now (for balancing), and its
// passive-health state. It lives as long as some table routes to it, so
// the state survives table swaps.
type upstream struct {
	addr     string
	inflight atomic.Int64
	// Passive ejection: consecutive connection failures take an instance
	// out of rotation until ejectedUntil, for longer each time, before
	// Consul's health check (seconds away) notices.
	fails        atomic.Int32
	ejections    atomic.Int32
	ejectedUntil atomic.Int64 // unix nanoseconds

	mu   sync.Mutex
	idle []*uconn // most recently used last
}

// uconn is a keep-alive connection to an upstream.
type uconn struct {
	c         net.Conn
	br        *bufio.Reader
	bw        *bufio.Writer
	idleSince int64 // unix nanoseconds
	deadline  int64
	reused    bool
	fd        int // for alive; -1 if unknown
}

const (
	maxIdlePerUpstream = 256
	idleTimeout        = 30 * time.Second
	// Instances are on the routers' own network: a connect that has not
	// completed in a second is to a machine that is gone (its packets
	// dropped), and the request is better retried on another instance at
	// once. A single lost SYN (retransmitted after 1 s) costs a retry, not
	// a failure. docs/reliability.md has what this does in a node loss.
	dialTimeout  = time.Second
	ejectBase    = time.Second
	ejectMax     = 30 * time.Second
	failsToEject = 3
)

func (u *upstream) available(now int64) bool { return u.ejectedUntil.Load() <= now }

// get returns an idle connection or dials a new one.
func (u *upstream) get(now int64) (*uconn, error) {
	for {
		u.mu.Lock()
		n := len(u.idle)
		if n == 0 {
			u.mu.Unlock()
			break
		}
		c := u.idle[n-1]
		u.idle[n-1] = nil
		u.idle = u.idle[:n-1]
		u.mu.Unlock()
		if !c.alive() {
			c.c.Close()
			continue
		}
		c.reused = true
		return c, nil
	}
	c, err := net.DialTimeout("tcp", u.addr, dialTimeout)
	if err != nil {
		return nil, &dialError{err}
	}
	return &uconn{c: c, fd: sysfd(c), br: bufio.NewReaderSize(c, 16<<10), bw: bufio.NewWriterSize(c, 8<<10)}, nil
}

// put returns a connection whose last response was read completely.
func (u *upstream) put(c *uconn, now int64) {
	c.idleSince = now
	u.mu.Lock()
	if len(u.idle) < maxIdlePerUpstream {
		u.idle = append(u.idle, c)
		c = nil
	}
	u.mu.Unlock()
	if c != nil {
		c.c.Close()
	}
}

// closeIdle closes connections idle past the deadline (all of them for a
// zero deadline) and reports how many remain.
func (u *upstream) closeIdle(before int64) int {
	u.mu.Lock()
	keep := u.idle[:0]
	var drop []*uconn
	for _, c := range u.idle {
		if c.idleSince < before {
			drop = append(drop, c)
		} else {
			keep = append(keep, c)
		}
	}
	clear(u.idle[len(keep):])
	u.idle = keep
	n := len(keep)
	u.mu.Unlock()
	for _, c := range drop {
		c.c.Close()
	}
	return n
}

func (u *upstream) succeeded() {
	if u.fails.Load() != 0 {
		u.fails.Store(0)
		u.ejections.Store(0)
	}
}

// failed records a connection failure; a refused dial ejects at once (the
// port is dead), other failures after a few in a row.
func (u *upstream) failed(now int64, refused bool) (ejected bool) {
	if n := u.fails.Add(1); !refused && n < failsToEject {
		return false
	}
	k := min(u.ejections.Add(1)-1, 5)
	d := min(ejectBase<<k, ejectMax)
	u.ejectedUntil.Store(now + int64(d))
	return true
}

// alive peeks at an idle connection without blocking before it is reused:
// a closed or reset connection reads EOF or an error, a live one has
// nothing to read. Anything readable on an idle connection is unsolicited
// and must not be taken as the next request's answer: in the redeploy test
// a gunicorn shutting down left bytes of a response on a kept-alive
// connection, which the next request read as its head. Checking only
// long-idle connections missed that (nginx keeps a read event armed on its
// cached connections for the same reason). The peek is one non-blocking
// recvfrom made directly on the descriptor: through RawConn.Read, with the
// runtime's poller bookkeeping around it, it cost 3 µs a request.
func (c *uconn) alive() bool {
	if c.fd < 0 {
		return true
	}
	var buf [1]byte
	n, _, errno := syscall.RawSyscall6(syscall.SYS_RECVFROM, uintptr(c.fd), uintptr(unsafe.Pointer(&buf[0])), 1,
		syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
	_ = n // 0 is EOF, 1 is unsolicited data: both mean do not reuse
	return errno == syscall.EAGAIN || errno == syscall.EWOULDBLOCK
}

// sysfd returns the connection's descriptor for alive, or -1.
func sysfd(c net.Conn) int {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return -1
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	_ = rc.Control(func(f uintptr) { fd = int(f) })
	return fd
}

type dialError struct{ err error }

func (e *dialError) Error() string { return "dial: " + e.err.Error() }
func (e *dialError) Unwrap() error { return e.err }

func (e *dialError) refused() bool { return errors.Is(e.err, syscall.ECONNREFUSED) }
