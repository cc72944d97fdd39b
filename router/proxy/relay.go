package proxy

import (
	"errors"
	"io"
	"strconv"
	"time"
)

// sendBody copies the request body, whose length the head gave, from the
// client to the upstream.
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
			return ex.relayTrailers(uc)
		}
		if err := ex.copyN(uc, size+2); err != nil {
			return err
		}
	}
}

// relayTrailers passes the trailer fields after the last chunk through,
// up to the blank line that ends the body.
func (ex *exchange) relayTrailers(uc *uconn) error {
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

// out writes response bytes to the client; a failure there is the
// client's, not the upstream's.
func (ex *exchange) out(b []byte) error {
	if _, err := ex.cc.bw.Write(b); err != nil {
		ex.upstreamFault, ex.clientFault = false, true
		return err
	}
	ex.bytesOut += int64(len(b))
	return nil
}
