package proxy

import "bytes"

// response is a parsed upstream response head; spans point into the
// upstream reader's buffer.
type response struct {
	head          []byte
	status        int
	statusRest    span  // " 200 OK" after the version
	contentLength int64 // -1 when absent
	chunked       bool
	close         bool // the upstream will close after this response
	lines         []span
	drop          []bool
}

func (r *response) parse(head []byte) bool {
	if !cleanLines(head) {
		return false
	}
	r.head = head
	r.lines, r.drop = r.lines[:0], r.drop[:0]
	r.contentLength, r.chunked, r.close = -1, false, false
	eol := bytes.Index(head, []byte("\r\n"))
	line := head[:eol]
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return false
	}
	if line[7] == '0' {
		r.close = true // HTTP/1.0 upstreams close unless told otherwise; safest to assume so
	} else if line[7] != '1' {
		return false
	}
	code := 0
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return false
		}
		code = code*10 + int(c-'0')
	}
	if code < 100 || (len(line) > 12 && line[12] != ' ') {
		return false
	}
	r.status = code
	r.statusRest = span{8, eol}
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
		drop := false
		switch {
		case equalFold(name, "content-length"):
			n, ok := parseLength(value)
			if !ok || (haveLength && n != r.contentLength) {
				return false
			}
			haveLength, r.contentLength, drop = true, n, haveLength
		case equalFold(name, "transfer-encoding"):
			if !equalFold(value, "chunked") || r.chunked || line[7] == '0' {
				// Anything but plain chunked is not ours to re-frame, and
				// HTTP/1.0 has no chunking: readers disagree on what it means.
				return false
			}
			r.chunked = true
		case equalFold(name, "connection"):
			if containsFold(value, "close") {
				r.close = true
			}
			drop = true
		case equalFold(name, "keep-alive"), equalFold(name, "proxy-connection"), equalFold(name, "upgrade"):
			drop = true
		}
		r.lines = append(r.lines, span{pos, end})
		r.drop = append(r.drop, drop)
		pos = end
	}
	if r.chunked && haveLength {
		// Transfer-Encoding wins (RFC 9112 6.3); a Content-Length beside it
		// is what request smuggling is made of, so it is not passed on.
		for i := range r.lines {
			if l := head[r.lines[i].start:r.lines[i].end]; len(l) > 15 && equalFold(l[:15], "content-length:") {
				r.drop[i] = true
			}
		}
		r.contentLength = -1
	}
	return true
}

// bodyless says whether a response to method has no body whatever its
// headers say.
func (r *response) bodyless(isHead bool) bool {
	return isHead || r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200)
}

// containsFold reports whether b contains the lowercase ASCII word w, in
// any case, without allocating.
func containsFold(b []byte, w string) bool {
	for i := 0; i+len(w) <= len(b); i++ {
		if equalFold(b[i:i+len(w)], w) {
			return true
		}
	}
	return false
}
