package proxy

import (
	"bufio"
	"net"
	"sync/atomic"
	"time"
)

// clientConn is one client connection on the fast path.
type clientConn struct {
	p      *Proxy
	c      net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	remote string // client IP, as X-Forwarded-For gets it
	req    request
	resp   response
	idle   atomic.Bool
	// active is the site of the request being served, if any: a long
	// response keeps its site awake (see TakeActivity).
	active atomic.Pointer[siteActivity]
	// Deadlines are moved at most once a second: setting one re-arms a
	// runtime timer, and per request that cost showed up in profiles.
	readDeadline  int64
	writeDeadline int64
}

// fastReadBuffer bounds a request head the fast path will parse; larger
// heads (up to MaxHeaderBytes) go to net/http.
const fastReadBuffer = 16 << 10

func (p *Proxy) newConn(c net.Conn) *clientConn {
	host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
	cc := &clientConn{p: p, c: c, remote: host,
		br: bufio.NewReaderSize(c, fastReadBuffer), bw: bufio.NewWriterSize(c, 8<<10)}
	p.mu.Lock()
	if p.draining.Load() {
		p.mu.Unlock()
		c.Close()
		return nil
	}
	p.conns[cc] = struct{}{}
	p.wg.Add(1)
	p.mu.Unlock()
	return cc
}

func (cc *clientConn) forget() {
	p := cc.p
	p.mu.Lock()
	delete(p.conns, cc)
	p.mu.Unlock()
	p.wg.Done()
}

// interruptIfIdle wakes a connection waiting for its next request so it
// sees the drain and closes; a busy one finishes its response first.
func (cc *clientConn) interruptIfIdle() {
	if cc.idle.Load() {
		_ = cc.c.SetReadDeadline(time.Unix(1, 0))
	}
}

func (cc *clientConn) serve() {
	handedOff := false
	defer func() {
		if !handedOff {
			cc.c.Close()
		}
		cc.forget()
	}()
	for !cc.p.draining.Load() {
		now := time.Now().UnixNano()
		if cc.br.Buffered() == 0 {
			cc.refreshRead(now, cc.p.cfg.IdleTimeout)
			cc.idle.Store(true)
			if cc.p.draining.Load() {
				return
			}
			_, err := cc.br.Peek(1)
			cc.idle.Store(false)
			if err != nil {
				return
			}
			now = time.Now().UnixNano()
		}
		n, ok := cc.readHead(now)
		if !ok || !cc.req.parse(mustPeek(cc.br, n)) {
			handedOff = cc.handoff()
			return
		}
		keep, handoff := cc.serveRequest(n, now)
		if handoff {
			handedOff = cc.handoff()
			return
		}
		if !keep {
			return
		}
	}
}

// readHead waits until the buffer holds a whole request head and returns
// its length; ok is false when it does not fit the buffer (net/http then
// reads it, and answers 431 past MaxHeaderBytes) or the client stalls.
func (cc *clientConn) readHead(now int64) (int, bool) {
	deadlineSet := false
	for {
		b, _ := cc.br.Peek(cc.br.Buffered())
		if n := findHead(b); n > 0 {
			if deadlineSet {
				cc.readDeadline = 0 // force the next refresh
			}
			return n, true
		}
		if len(b) == cc.br.Size() {
			return 0, false
		}
		if !deadlineSet {
			// The head did not come in one piece: from here on the
			// slowloris timeout applies.
			_ = cc.c.SetReadDeadline(time.Unix(0, now).Add(cc.p.cfg.ReadHeaderTimeout))
			deadlineSet = true
		}
		if _, err := cc.br.Peek(len(b) + 1); err != nil {
			return 0, false
		}
	}
}

func mustPeek(br *bufio.Reader, n int) []byte {
	b, _ := br.Peek(n)
	return b
}

func (cc *clientConn) refreshRead(now int64, d time.Duration) {
	if now+int64(d)-cc.readDeadline > int64(time.Second) {
		cc.readDeadline = now + int64(d)
		_ = cc.c.SetReadDeadline(time.Unix(0, cc.readDeadline))
	}
}

func (cc *clientConn) refreshWrite(now int64) {
	d := cc.p.cfg.WriteTimeout
	if now+int64(d)-cc.writeDeadline > int64(time.Second) {
		cc.writeDeadline = now + int64(d)
		_ = cc.c.SetWriteDeadline(time.Unix(0, cc.writeDeadline))
	}
}

// handoff gives the connection, unread bytes included, to net/http.
func (cc *clientConn) handoff() bool {
	if err := cc.bw.Flush(); err != nil {
		return false
	}
	_ = cc.c.SetDeadline(time.Time{})
	return cc.p.handoff.give(&bufferedConn{Conn: cc.c, r: cc.br})
}
