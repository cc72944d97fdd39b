package proxy

import (
	"bufio"
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/hostctl/hostctl/router/routes"
)

// FuzzRequestHead checks the fast path's parser against net/http's: any
// head the fast path takes, net/http must read the same way (method,
// target, host, body length, and every forwarded header), so the backend
// can never see a different request than the router routed. Heads the fast
// path declines go to net/http itself and need no agreement.
func FuzzRequestHead(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n",
		"POST /x?y=1 HTTP/1.1\r\nHost: A.Test:8080\r\nContent-Length: 3\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a.test.\r\nConnection: close\r\nCookie: a=b\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a.test\r\nX: a\r\n b\r\n\r\n",
		"GET / HTTP/1.1\r\nhost:a.test\r\nX:\t v \t\r\n\r\n",
		"GET /\x00 HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a.test\r\nContent-Length: +5\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a.test\nX: y\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a.test\r\nX_Forwarded_Proto: https\r\n_: x\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n := findHead(data)
		if n < 0 {
			return
		}
		head := data[:n]
		var r request
		if !r.parse(head) {
			return
		}
		std, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(head)))
		if err != nil {
			t.Fatalf("fast path took a head net/http rejects (%v):\n%q", err, head)
		}
		if got := string(head[r.method.start:r.method.end]); got != std.Method {
			t.Fatalf("method %q, net/http %q", got, std.Method)
		}
		if got := string(head[r.target.start:r.target.end]); got != std.RequestURI {
			t.Fatalf("target %q, net/http %q", got, std.RequestURI)
		}
		if got, want := string(r.host), routes.NormalizeHost(std.Host); got != want {
			t.Fatalf("host %q, net/http %q (normalized %q)", got, std.Host, want)
		}
		if r.contentLength != max(std.ContentLength, 0) || len(std.TransferEncoding) > 0 {
			t.Fatalf("body length %d, net/http %d %v", r.contentLength, std.ContentLength, std.TransferEncoding)
		}
		if r.close != std.Close {
			t.Fatalf("close %v, net/http %v", r.close, std.Close)
		}
		// Every forwarded line must be a header net/http saw with that value.
		for i, l := range r.lines {
			if r.drop[i] {
				continue
			}
			name, value, _ := strings.Cut(strings.TrimSuffix(string(head[l.start:l.end]), "\r\n"), ":")
			value = strings.Trim(value, " \t")
			if strings.Contains(name, "_") {
				t.Fatalf("forwarded %q: a name with '_' reaches the application as a header the router sets", name)
			}
			found := false
			for _, v := range std.Header.Values(name) {
				found = found || v == value
			}
			if http.CanonicalHeaderKey(name) == "Host" {
				found = true
			}
			if !found {
				t.Fatalf("forwarded %q: %q, net/http has %q", name, value, std.Header.Values(name))
			}
		}
	})
}

// FuzzResponseHead checks the upstream response parser the same way
// against net/http's: where the response ends must be read alike, or a
// backend could smuggle a second response into a kept-alive connection.
func FuzzResponseHead(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
		"HTTP/1.0 204 No Content\r\n\r\n",
		"HTTP/1.1 301 Moved\r\nLocation: /x\r\nConnection: close\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
		"HTTP/1.1 999\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n := findHead(data)
		if n < 0 {
			return
		}
		head := data[:n]
		var r response
		if !r.parse(head) {
			return
		}
		std, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(head)), nil)
		if err != nil {
			t.Fatalf("fast path took a response net/http rejects (%v):\n%q", err, head)
		}
		if r.status != std.StatusCode {
			t.Fatalf("status %d, net/http %d", r.status, std.StatusCode)
		}
		if r.bodyless(false) {
			return // no body whatever the headers say, for both
		}
		stdChunked := len(std.TransferEncoding) > 0 && std.TransferEncoding[0] == "chunked"
		if r.chunked != stdChunked {
			t.Fatalf("chunked %v, net/http %v", r.chunked, std.TransferEncoding)
		}
		if !r.chunked && r.contentLength != std.ContentLength {
			t.Fatalf("length %d, net/http %d (%s)", r.contentLength, std.ContentLength, strconv.Quote(string(head)))
		}
	})
}
