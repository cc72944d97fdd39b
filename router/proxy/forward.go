package proxy

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/hostctl/hostctl/router/routes"
)

const maxAttempts = 3

// serveRequest forwards the parsed request whose head is n bytes long.
// keep says whether the connection may carry another request; handoff
// that net/http should answer this one instead.
func (cc *clientConn) serveRequest(n int, now int64) (keep, handoff bool) {
	r := &cc.req
	route, ok := cc.p.store.Load().LookupBytes(r.host)
	if !ok || route.RedirectTo != "" || len(route.Backends) == 0 || route.HTTPSOnly && cc.p.cfg.HTTPSPort != "" ||
		r.contentLength > cc.p.cfg.MaxBodyBytes || len(route.Static) > 0 && cc.staticPath(route) {
		return false, true
	}
	start := time.Unix(0, now)
	_, _ = cc.br.Discard(n)
	ex := exchange{cc: cc, route: route}
	var tried [maxAttempts]*upstream
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		u := cc.p.upstreams.pick(route.Backends, now, tried[:attempt])
		tried[attempt] = u
		u.inflight.Add(1)
		err = ex.do(u, now)
		u.inflight.Add(-1)
		if err == nil {
			u.succeeded()
			break
		}
		var de *dialError
		refused := errors.As(err, &de) && de.refused()
		if ex.upstreamFault && u.failed(now, refused) {
			cc.p.cfg.Metrics.Ejections.Inc()
		}
		if !ex.retryable || attempt == maxAttempts-1 {
			break
		}
		cc.p.cfg.Log.Info("retrying on another instance", "site", route.Site, "backend", u.addr, "err", err)
		ex.retries++
		now = time.Now().UnixNano()
	}
	keep = err == nil && !r.close && !ex.closeClient && !cc.p.draining.Load()
	if err != nil && !ex.wroteHead {
		if !ex.clientFault {
			ex.status = 502
			ex.bytesOut = writePage(cc.bw, 502, "Bad gateway", "The site did not answer.", r.isHead)
			_ = cc.bw.Flush()
			keep = !r.close && !cc.p.draining.Load() && ex.bodyDone()
		}
	}
	if err != nil {
		cc.p.cfg.Log.Warn("upstream error", "site", route.Site, "host", string(r.host), "backend", ex.addr, "err", err)
	}
	cc.p.observe(route.Site, ex.status, time.Since(start), ex.bytesIn, ex.bytesOut, ex.retries, err != nil && !ex.clientFault)
	if cc.p.access != nil {
		cc.p.access.log(logEntry{start: start, site: route.Site, host: r.host, method: r.head[r.method.start:r.method.end],
			uri: r.head[r.target.start:r.target.end], remote: cc.remote, status: ex.status, bytes: ex.bytesOut,
			upstream: ex.addr, retries: ex.retries, dur: time.Since(start)})
	}
	return keep, false
}

// staticPath reports whether the request path falls under a static prefix.
func (cc *clientConn) staticPath(route *routes.Route) bool {
	t := cc.req.head[cc.req.target.start:cc.req.target.end]
	_, ok := route.StaticFor(string(t))
	return ok
}

// exchange is one request's trip to the upstreams, across retries.
type exchange struct {
	cc    *clientConn
	route *routes.Route
	addr  string

	bodySent      int64 // request body bytes consumed from the client
	bytesIn       int64
	bytesOut      int64
	status        int
	retries       int
	wroteHead     bool // response bytes reached the client: no retry, no error page
	holdFlush     bool // the whole body fits the client buffer: do not flush mid-body
	retryable     bool // the failed attempt cannot have reached the application
	upstreamFault bool
	clientFault   bool
	closeClient   bool
}

func (ex *exchange) bodyDone() bool { return ex.bodySent == ex.cc.req.contentLength }

// do makes one attempt on u.
func (ex *exchange) do(u *upstream, now int64) error {
	cc, r := ex.cc, &ex.cc.req
	ex.addr, ex.retryable, ex.upstreamFault, ex.clientFault = u.addr, false, true, false
	uc, err := u.get(now)
	if err != nil {
		// Nothing was sent; any request may go elsewhere, body or not, as
		// long as none of the body has been read yet.
		ex.retryable = ex.bodySent == 0
		return err
	}
	reusable := false
	defer func() {
		if reusable {
			u.put(uc, time.Now().UnixNano())
		} else {
			uc.c.Close()
		}
	}()
	ex.refreshUpstream(uc, now, cc.p.cfg.ResponseHeaderTimeout)
	cc.writeRequestHead(uc.bw)
	if r.contentLength > 0 {
		if err := ex.sendBody(uc); err != nil {
			return err
		}
	}
	if err := uc.bw.Flush(); err != nil {
		// The kernel took none of the head (the upstream had reset the
		// connection: a closed keep-alive, or an instance exiting with this
		// connection still in its accept queue), so the application never
		// saw the request and it can go elsewhere if it had no body.
		ex.retryable = r.contentLength == 0
		return err
	}
	resp := &cc.resp
	startOut, startBuffered := ex.bytesOut, cc.bw.Buffered()
	for {
		hn, err := readResponseHead(uc.br)
		if err != nil {
			// Nothing came back: the upstream closed a kept-alive connection
			// as the request arrived, or died. A request without a body that
			// is safe to repeat goes elsewhere.
			ex.retryable = r.idempotent && r.contentLength == 0 && hn == 0
			return err
		}
		if head := mustPeek(uc.br, hn); !resp.parse(head) {
			// Nothing has reached the client yet, so a request that is safe
			// to repeat goes elsewhere, as for a failed connection.
			ex.retryable = r.idempotent && r.contentLength == 0 && !ex.wroteHead
			return fmt.Errorf("malformed response head %.200q", head)
		}
		ex.status = resp.status
		if resp.status >= 100 && resp.status < 200 {
			if resp.status == 101 {
				return errors.New("101 without an upgrade request")
			}
			cc.refreshWrite(now)
			cc.writeResponseHead(resp, false)
			_, _ = uc.br.Discard(hn)
			ex.wroteHead = true
			continue
		}
		closeClient := resp.contentLength < 0 && !resp.chunked && !resp.bodyless(r.isHead)
		ex.closeClient = closeClient
		cc.refreshWrite(now)
		ex.bytesOut += int64(cc.writeResponseHead(resp, closeClient || r.close || cc.p.draining.Load()))
		_, _ = uc.br.Discard(hn)
		ex.wroteHead = true
		break
	}
	if !resp.bodyless(r.isHead) {
		// A body that fits the client's write buffer is sent whole or not
		// at all: if the instance dies mid-body, the request can still go
		// elsewhere. Longer and chunked bodies stream (see fill).
		ex.holdFlush = !resp.chunked && resp.contentLength >= 0 && resp.contentLength <= int64(cc.bw.Available())
		if err := ex.relayBody(uc, resp); err != nil {
			ex.takeBack(startOut, startBuffered)
			return err
		}
	}
	if err := cc.bw.Flush(); err != nil {
		ex.upstreamFault, ex.clientFault = false, true
		reusable = !resp.close && uc.br.Buffered() == 0
		return err
	}
	reusable = !resp.close && uc.br.Buffered() == 0
	return nil
}

// refreshUpstream moves the upstream connection's deadline, at most once a
// second (see clientConn.readDeadline).
// takeBack undoes a response that failed upstream mid-body if none of it
// has left the process yet (it all still sits in the client's write
// buffer): the client then gets a retry or a clean 502 instead of a
// truncated 200. With small responses that is the usual case when an
// instance dies mid-response.
func (ex *exchange) takeBack(startOut int64, startBuffered int) {
	cc, r := ex.cc, &ex.cc.req
	written := ex.bytesOut - startOut
	if ex.clientFault || startBuffered != 0 || int64(cc.bw.Buffered()) != written {
		return
	}
	cc.bw.Reset(cc.c)
	ex.bytesOut, ex.wroteHead, ex.closeClient = startOut, false, false
	ex.retryable = r.idempotent && r.contentLength == 0
}

func (ex *exchange) refreshUpstream(uc *uconn, now int64, d time.Duration) {
	if now+int64(d)-uc.deadline > int64(time.Second) {
		uc.deadline = now + int64(d)
		_ = uc.c.SetDeadline(time.Unix(0, uc.deadline))
	}
}

func (ex *exchange) sendBody(uc *uconn) error {
	cc := ex.cc
	left := cc.req.contentLength
	for left > 0 {
		if cc.br.Buffered() == 0 {
			cc.refreshRead(time.Now().UnixNano(), cc.p.cfg.ReadTimeout)
			if _, err := cc.br.Peek(1); err != nil {
				ex.upstreamFault, ex.clientFault = false, true
				return err
			}
		}
		k := min(int64(cc.br.Buffered()), left)
		b := mustPeek(cc.br, int(k))
		if _, err := uc.bw.Write(b); err != nil {
			return err
		}
		_, _ = cc.br.Discard(int(k))
		left -= k
		ex.bodySent += k
		ex.bytesIn += k
	}
	return nil
}

// readResponseHead waits for a whole response head in br and returns its
// length; on error it returns how many bytes had arrived.
func readResponseHead(br *bufio.Reader) (int, error) {
	for {
		b, _ := br.Peek(br.Buffered())
		if n := findHead(b); n > 0 {
			return n, nil
		}
		if len(b) == br.Size() {
			return len(b), errors.New("response head too large")
		}
		if _, err := br.Peek(len(b) + 1); err != nil {
			if err == io.EOF && len(b) == 0 {
				err = io.ErrUnexpectedEOF
			}
			return len(b), err
		}
	}
}

func (cc *clientConn) writeRequestHead(w *bufio.Writer) {
	r := &cc.req
	h := r.head
	eol := r.target.end + len(" HTTP/1.1\r\n")
	_, _ = w.Write(h[:eol])
	for i, l := range r.lines {
		if !r.drop[i] {
			_, _ = w.Write(h[l.start:l.end])
		}
	}
	_, _ = w.WriteString("X-Forwarded-For: ")
	_, _ = w.WriteString(cc.remote)
	_, _ = w.WriteString("\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: ")
	_, _ = w.Write(r.host)
	_, _ = w.WriteString("\r\n\r\n")
}

// writeResponseHead relays a response head to the client, always as
// HTTP/1.1, without the upstream's hop-by-hop headers, and returns its size.
func (cc *clientConn) writeResponseHead(resp *response, closing bool) int {
	w, h := cc.bw, resp.head
	n := 0
	m, _ := w.WriteString("HTTP/1.1")
	n += m
	m, _ = w.Write(h[resp.statusRest.start : resp.statusRest.end+2])
	n += m
	for i, l := range resp.lines {
		if !resp.drop[i] {
			m, _ = w.Write(h[l.start:l.end])
			n += m
		}
	}
	if closing {
		m, _ = w.WriteString("Connection: close\r\n")
		n += m
	}
	m, _ = w.WriteString("\r\n")
	return n + m
}

// relayBody copies the response body as it arrives, flushing to the client
// whenever the upstream has nothing more buffered, so streamed responses
// (server-sent events, long downloads) flow without waiting for a buffer to
// fill.
func (ex *exchange) relayBody(uc *uconn, resp *response) error {
	switch {
	case resp.chunked:
		return ex.relayChunked(uc)
	case resp.contentLength >= 0:
		return ex.copyN(uc, resp.contentLength)
	default:
		return ex.copyToEOF(uc)
	}
}

// fill makes sure the upstream reader has data, flushing the client first
// if it would have to wait.
func (ex *exchange) fill(uc *uconn) error {
	if uc.br.Buffered() > 0 {
		return nil
	}
	cc := ex.cc
	if !ex.holdFlush {
		if err := cc.bw.Flush(); err != nil {
			ex.upstreamFault, ex.clientFault = false, true
			return err
		}
	}
	now := time.Now().UnixNano()
	cc.refreshWrite(now)
	ex.refreshUpstream(uc, now, cc.p.cfg.StreamIdleTimeout)
	_, err := uc.br.Peek(1)
	return err
}

func (ex *exchange) copyN(uc *uconn, n int64) error {
	for n > 0 {
		if err := ex.fill(uc); err != nil {
			return err
		}
		k := int(min(int64(uc.br.Buffered()), n))
		if err := ex.out(mustPeek(uc.br, k)); err != nil {
			return err
		}
		_, _ = uc.br.Discard(k)
		n -= int64(k)
	}
	return nil
}

func (ex *exchange) copyToEOF(uc *uconn) error {
	for {
		if err := ex.fill(uc); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		k := uc.br.Buffered()
		if err := ex.out(mustPeek(uc.br, k)); err != nil {
			return err
		}
		_, _ = uc.br.Discard(k)
	}
}

// relayChunked passes chunked framing through unchanged while following it,
// so the proxy knows where the response ends and can reuse the connection.
func (ex *exchange) relayChunked(uc *uconn) error {
	for {
		line, err := ex.line(uc)
		if err != nil {
			return err
		}
		size, ok := chunkSize(line)
		if !ok {
			return errors.New("malformed chunk size")
		}
		if err := ex.out(line); err != nil {
			return err
		}
		if size == 0 {
			// Trailers, then the blank line.
			for {
				l, err := ex.line(uc)
				if err != nil {
					return err
				}
				if err := ex.out(l); err != nil {
					return err
				}
				if len(l) == 2 {
					return nil
				}
			}
		}
		if err := ex.copyN(uc, size+2); err != nil {
			return err
		}
	}
}

// line reads one CRLF-terminated line (at most the reader's buffer).
func (ex *exchange) line(uc *uconn) ([]byte, error) {
	for {
		if err := ex.fill(uc); err != nil {
			return nil, err
		}
		b := mustPeek(uc.br, uc.br.Buffered())
		for i := 1; i < len(b); i++ {
			if b[i] == '\n' && b[i-1] == '\r' {
				l := b[:i+1]
				out := make([]byte, len(l))
				copy(out, l)
				_, _ = uc.br.Discard(i + 1)
				return out, nil
			}
		}
		if len(b) == uc.br.Size() {
			return nil, errors.New("chunk line too long")
		}
		if _, err := uc.br.Peek(len(b) + 1); err != nil {
			return nil, err
		}
	}
}

func chunkSize(line []byte) (int64, bool) {
	l := line[:len(line)-2]
	for i, c := range l {
		if c == ';' || c == ' ' || c == '\t' {
			l = l[:i]
			break
		}
	}
	if len(l) == 0 || len(l) > 15 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(l), 16, 64)
	return n, err == nil && n >= 0
}

func (ex *exchange) out(b []byte) error {
	if _, err := ex.cc.bw.Write(b); err != nil {
		ex.upstreamFault, ex.clientFault = false, true
		return err
	}
	ex.bytesOut += int64(len(b))
	return nil
}
