package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// logFile writes one output stream of a task into the files Nomad's log
// API reads, ALLOC/logs/<task>.<stream>.<n>, rotating by size the way
// Nomad's logmon does (a higher n is newer; only the newest few are kept),
// so `hostctl site logs` and `nomad alloc logs` work unchanged. Unlike
// logmon it buffers nothing and keeps no timer: an idle site costs it no
// CPU at all.
type logFile struct {
	dir, base string // base is "<task>.<stream>"
	maxFiles  int
	maxSize   int64

	idx  int
	f    *os.File
	size int64
}

// openLogFile is called as the site (see Supervise): the files are its own.
func openLogFile(dir, base string, maxFiles int, maxSize int64) (*logFile, error) {
	if maxFiles < 1 || maxSize < 1 {
		return nil, fmt.Errorf("log rotation needs at least one file of at least one byte")
	}
	l := &logFile{dir: dir, base: base, maxFiles: maxFiles, maxSize: maxSize}
	// A restarted task continues in its newest file, as with logmon.
	l.idx = max(0, l.newest())
	if err := l.open(); err != nil {
		return nil, err
	}
	return l, nil
}

// newest is the highest index present, or -1.
func (l *logFile) newest() int {
	entries, _ := os.ReadDir(l.dir)
	n := -1
	for _, e := range entries {
		if i, ok := l.index(e.Name()); ok && i > n {
			n = i
		}
	}
	return n
}

func (l *logFile) index(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, l.base+".")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(rest)
	return i, err == nil && i >= 0
}

func (l *logFile) open() error {
	path := filepath.Join(l.dir, l.base+"."+strconv.Itoa(l.idx))
	// O_NOFOLLOW: a link planted here is refused rather than written
	// through, even though as the site it could reach only its own files.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	l.f, l.size = f, st.Size()
	return nil
}

func (l *logFile) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		if l.size >= l.maxSize {
			if err := l.rotate(); err != nil {
				return written, err
			}
		}
		chunk := p[:min(int64(len(p)), l.maxSize-l.size)]
		n, err := l.f.Write(chunk)
		written += n
		l.size += int64(n)
		if err != nil {
			return written, err
		}
		p = p[n:]
	}
	return written, nil
}

func (l *logFile) rotate() error {
	l.f.Close()
	l.idx++
	if err := l.open(); err != nil {
		return err
	}
	entries, _ := os.ReadDir(l.dir)
	for _, e := range entries {
		if i, ok := l.index(e.Name()); ok && i <= l.idx-l.maxFiles {
			os.Remove(filepath.Join(l.dir, e.Name()))
		}
	}
	return nil
}

func (l *logFile) Close() error { return l.f.Close() }
