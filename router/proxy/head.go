package proxy

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"time"
)

// sendRequest writes the request head and any body to the upstream.
func (ex *exchange) sendRequest(uc *uconn, now int64) error {
	cc, r := ex.cc, &ex.cc.req
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
	return nil
}

// relayResponseHead passes interim (1xx) heads on to the client as they
// come, then the final head.
func (ex *exchange) relayResponseHead(uc *uconn, now int64) error {
	cc, r, resp := ex.cc, &ex.cc.req, &ex.cc.resp
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
		if resp.status == 101 {
			// The fast path never forwards an upgrade (net/http carries
			// those), so a switch of protocols is the upstream's error.
			return errors.New("101 without an upgrade request")
		}
		cc.refreshWrite(now)
		if resp.status >= 100 && resp.status < 200 {
			cc.writeResponseHead(resp, false)
			_, _ = uc.br.Discard(hn)
			ex.wroteHead = true
			continue
		}
		// Without a length or chunking, the body ends when the connection
		// does, so the client connection ends with it.
		ex.closeClient = resp.contentLength < 0 && !resp.chunked && !resp.bodyless(r.isHead)
		ex.bytesOut += int64(cc.writeResponseHead(resp, ex.closeClient || r.close || cc.p.draining.Load()))
		_, _ = uc.br.Discard(hn)
		ex.wroteHead = true
		return nil
	}
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

// writeRequestHead forwards the client's head minus the fields the parser
// dropped (hop-by-hop, forwarding headers the client may not set), plus
// the router's own X-Forwarded-* fields.
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

// refreshUpstream moves the upstream connection's deadline, at most once a
// second (see clientConn.readDeadline).
func (ex *exchange) refreshUpstream(uc *uconn, now int64, d time.Duration) {
	if now+int64(d)-uc.deadline > int64(time.Second) {
		uc.deadline = now + int64(d)
		_ = uc.c.SetDeadline(time.Unix(0, uc.deadline))
	}
}
