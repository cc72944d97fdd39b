package proxy

import (
	"bytes"
)

// The fast path parses only a strict subset of HTTP/1.1: what browsers and
// HTTP clients send for ordinary requests. Anything outside it (HTTP/1.0,
// absolute-form targets, Transfer-Encoding, Upgrade, Expect, folded or
// oddly spelled headers, heads larger than the read buffer) is handed,
// unread, to net/http, whose parser is the reference. So a malformed or
// ambiguous request can never be read one way here and another way by the
// backend: here it is either plainly well formed, or not ours.

const maxHeaderLines = 100

// span is a [start, end) range in a request or response head.
type span struct{ start, end int }

// request is one parsed request head. Its spans point into the reader's
// buffer and are valid until the reader is read again.
type request struct {
	head          []byte
	method        span
	target        span // origin-form, starts with "/"
	host          []byte
	hostBuf       [256]byte
	contentLength int64 // 0 when absent
	close         bool  // the client asked to close after this response
	lines         []span
	drop          []bool // lines not forwarded (hop-by-hop, client-sent X-Forwarded-*, names with '_')
	idempotent    bool
	isHead        bool
}

// cleanLines says whether every line break in b is CRLF and no other
// control character but tab appears: bare CR or LF is where parsers
// disagree about where a header ends.
func cleanLines(b []byte) bool {
	for i, c := range b {
		switch {
		case c == '\r':
			if i+1 >= len(b) || b[i+1] != '\n' {
				return false
			}
		case c == '\n':
			if i == 0 || b[i-1] != '\r' {
				return false
			}
		case c < ' ' && c != '\t', c == 0x7f:
			return false
		}
	}
	return true
}

// findHead returns the length of the head (through the blank line) in b,
// or -1 if b does not hold a whole head yet.
func findHead(b []byte) int {
	i := bytes.Index(b, []byte("\r\n\r\n"))
	if i < 0 {
		return -1
	}
	return i + 4
}

// parseRequest fills r from head (which ends in CRLF CRLF). ok is false for
// anything the fast path leaves to net/http.
func (r *request) parse(head []byte) (ok bool) {
	if !cleanLines(head) {
		return false
	}
	r.head = head
	r.lines = r.lines[:0]
	r.drop = r.drop[:0]
	r.contentLength, r.close, r.host = 0, false, nil
	eol := bytes.Index(head, []byte("\r\n"))
	line := head[:eol]
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 <= 0 || sp1 > 16 {
		return false
	}
	rest := line[sp1+1:]
	sp2 := bytes.IndexByte(rest, ' ')
	if sp2 <= 0 || string(rest[sp2+1:]) != "HTTP/1.1" || rest[0] != '/' {
		return false
	}
	for _, c := range line[:sp1] {
		if !isToken(c) {
			return false
		}
	}
	target := rest[:sp2]
	for i, c := range target {
		if c <= ' ' || c >= 0x7f {
			return false
		}
		// net/http refuses a bad escape ("/%zz") with 400; the fast path
		// must not pass on what the reference parser would not.
		if c == '%' && (i+2 >= len(target) || !isHex(target[i+1]) || !isHex(target[i+2])) {
			return false
		}
	}
	r.method = span{0, sp1}
	r.target = span{sp1 + 1, sp1 + 1 + sp2}
	switch string(line[:sp1]) {
	case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE":
		r.idempotent = true
	case "CONNECT", "PRI":
		return false
	default:
		r.idempotent = false
	}
	r.isHead = string(line[:sp1]) == "HEAD"
	var haveLength bool
	pos := eol + 2
	for pos < len(head)-2 {
		if len(r.lines) == maxHeaderLines {
			return false
		}
		name, value, end, ok := headerField(head, pos)
		if !ok {
			return false
		}
		for _, c := range value {
			if (c < ' ' && c != '\t') || c == 0x7f {
				return false
			}
		}
		drop := false
		switch {
		case bytes.IndexByte(name, '_') >= 0:
			// gunicorn, like every CGI-style server, names headers
			// HTTP_<NAME> with '-' turned into '_', so X_Forwarded_Proto
			// would arrive as the X-Forwarded-Proto this router sets and
			// Django trusts. nginx drops such names by default too.
			drop = true
		case equalFold(name, "host"):
			if r.host != nil || !r.setHost(value) {
				return false
			}
		case equalFold(name, "content-length"):
			if haveLength {
				return false
			}
			haveLength = true
			n, ok := parseLength(value)
			if !ok {
				return false
			}
			r.contentLength = n
		case equalFold(name, "connection"):
			switch {
			case equalFold(value, "close"):
				r.close = true
			case equalFold(value, "keep-alive"):
			default:
				// Connection naming other headers hop-by-hop: net/http's
				// ReverseProxy knows how to strip them.
				return false
			}
			drop = true
		case equalFold(name, "transfer-encoding"), equalFold(name, "upgrade"), equalFold(name, "expect"):
			return false
		case equalFold(name, "keep-alive"), equalFold(name, "proxy-connection"), equalFold(name, "te"),
			equalFold(name, "trailer"), equalFold(name, "proxy-authorization"):
			drop = true
		case equalFold(name, "x-forwarded-for"), equalFold(name, "x-forwarded-host"),
			equalFold(name, "x-forwarded-proto"), equalFold(name, "forwarded"), equalFold(name, "x-real-ip"):
			// Only the router may say where a request came from.
			drop = true
		}
		r.lines = append(r.lines, span{pos, end})
		r.drop = append(r.drop, drop)
		pos = end
	}
	return r.host != nil
}

// setHost validates and normalizes the Host header value into hostBuf:
// lowercase, no port, no trailing dot. Only plain DNS names (and IPv4
// literals) are taken; IPv6 literals and anything odd go to net/http.
func (r *request) setHost(v []byte) bool {
	if len(v) == 0 || len(v) > len(r.hostBuf) {
		return false
	}
	n := 0
	for i, c := range v {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '.':
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c == ':':
			port := v[i+1:]
			if len(port) == 0 || len(port) > 5 {
				return false
			}
			for _, p := range port {
				if p < '0' || p > '9' {
					return false
				}
			}
			goto done
		default:
			return false
		}
		r.hostBuf[n] = c
		n++
	}
done:
	if n > 0 && r.hostBuf[n-1] == '.' {
		n--
	}
	if n == 0 {
		return false
	}
	r.host = r.hostBuf[:n]
	return true
}

func parseLength(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 15 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// headerField splits the header line that starts at pos in a head whose
// lines cleanLines has checked: its name (a token), its value without
// surrounding whitespace, and where the next line starts. Requests and
// responses share it so both sides hold field names to the same rules.
func headerField(head []byte, pos int) (name, value []byte, end int, ok bool) {
	n := bytes.Index(head[pos:], []byte("\r\n"))
	l := head[pos : pos+n]
	colon := bytes.IndexByte(l, ':')
	if colon <= 0 {
		return nil, nil, 0, false
	}
	for _, c := range l[:colon] {
		if !isToken(c) {
			return nil, nil, 0, false
		}
	}
	return l[:colon], trimOWS(l[colon+1:]), pos + n + 2, true
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// equalFold compares b with a lowercase ASCII string, ignoring b's case.
func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range b {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

var tokenTable = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

func isToken(c byte) bool { return tokenTable[c] }

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
