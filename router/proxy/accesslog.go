package proxy

import (
	"io"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// accessLog writes one JSON object per request. Lines collect in a buffer
// written out every 100 ms or every 64 KiB, so logging costs no system
// call per request; a crash loses at most the last 100 ms.
type accessLog struct {
	w   io.Writer
	mu  sync.Mutex
	buf []byte
}

type logEntry struct {
	start        time.Time
	site         string
	host, method []byte
	uri          []byte
	remote       string
	status       int
	bytes        int64
	upstream     string
	retries      int
	dur          time.Duration
}

func newAccessLog(w io.Writer) *accessLog {
	l := &accessLog{w: w, buf: make([]byte, 0, 128<<10)}
	go func() {
		for range time.Tick(100 * time.Millisecond) {
			l.flush()
		}
	}()
	return l
}

func (l *accessLog) log(e logEntry) {
	l.mu.Lock()
	b := l.buf
	b = append(b, `{"time":"`...)
	b = e.start.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
	b = append(b, `","site":`...)
	b = appendJSON(b, []byte(e.site))
	b = append(b, `,"host":`...)
	b = appendJSON(b, e.host)
	b = append(b, `,"method":`...)
	b = appendJSON(b, e.method)
	b = append(b, `,"uri":`...)
	b = appendJSON(b, e.uri)
	b = append(b, `,"remote":"`...)
	b = append(b, e.remote...)
	b = append(b, `","status":`...)
	b = strconv.AppendInt(b, int64(e.status), 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, e.bytes, 10)
	b = append(b, `,"duration_ms":`...)
	b = strconv.AppendFloat(b, float64(e.dur.Microseconds())/1000, 'f', 3, 64)
	b = append(b, `,"upstream":"`...)
	b = append(b, e.upstream...)
	b = append(b, `","retries":`...)
	b = strconv.AppendInt(b, int64(e.retries), 10)
	b = append(b, "}\n"...)
	l.buf = b
	full := len(b) > 64<<10
	l.mu.Unlock()
	if full {
		l.flush()
	}
}

func (l *accessLog) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		_, _ = l.w.Write(l.buf)
		l.buf = l.buf[:0]
	}
}

// appendJSON appends s as a JSON string: request fields are
// attacker-controlled bytes, so control characters and invalid UTF-8 are
// escaped rather than passed into the log.
func appendJSON(b, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
