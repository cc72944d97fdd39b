package deploy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"

	nomad "github.com/hashicorp/nomad/api"
)

// taskFor names the task that runs a process: gunicorn for "web", the
// process's own name otherwise.
func taskFor(process string) string {
	if process == "web" {
		return "gunicorn"
	}
	return process
}

// LogOptions select what `hostctl site logs` shows.
type LogOptions struct {
	Process   string
	Stderr    bool
	Follow    bool
	TailBytes int64
	// FromStart reads the whole log instead of its last TailBytes, for a
	// one-off command whose every line matters.
	FromStart bool
}

// Logs writes the output of every running instance of a process to out,
// each line prefixed with its instance, until the logs end or, with
// Follow, until ctx ends.
func Logs(ctx context.Context, nc *nomad.Client, site string, o LogOptions, out io.Writer) error {
	allocs, _, err := nc.Jobs().Allocations(site, false, (&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil {
		if isNotFound(err) {
			return notDeployed(site)
		}
		return err
	}
	stream := "stdout"
	if o.Stderr {
		stream = "stderr"
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, len(allocs))
	n := 0
	for _, stub := range allocs {
		if stub.TaskGroup != o.Process || stub.ClientStatus != nomad.AllocClientStatusRunning {
			continue
		}
		a, _, err := nc.Allocations().Info(stub.ID, (&nomad.QueryOptions{}).WithContext(ctx))
		if err != nil {
			return err
		}
		n++
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &prefixWriter{prefix: "[" + a.ID[:8] + "] ", out: out, mu: &mu}
			errs <- streamLog(ctx, nc, a, taskFor(o.Process), stream, o, w)
			w.flush()
		}()
	}
	if n == 0 {
		return fmt.Errorf("site %s has no running %q instance", site, o.Process)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil && ctx.Err() == nil {
			return err
		}
	}
	return nil
}

func streamLog(ctx context.Context, nc *nomad.Client, a *nomad.Allocation, task, stream string, o LogOptions, w io.Writer) error {
	cancel := make(chan struct{})
	defer close(cancel)
	origin := "end"
	if o.FromStart {
		origin = "start"
	}
	frames, errc := nc.AllocFS().Logs(a, o.Follow, task, stream, origin, o.TailBytes, cancel, (&nomad.QueryOptions{}).WithContext(ctx))
	for {
		select {
		case <-ctx.Done():
			return nil
		case err, ok := <-errc:
			if !ok {
				// The API closes this alongside frames; frames may still
				// hold data, so keep draining them.
				errc = nil
				continue
			}
			return err
		case f, ok := <-frames:
			if !ok {
				return nil
			}
			if f != nil && len(f.Data) > 0 {
				if _, err := w.Write(f.Data); err != nil {
					return err
				}
			}
		}
	}
}

// prefixWriter writes whole lines, each behind a prefix, so lines from
// several instances interleave but never mix.
type prefixWriter struct {
	prefix string
	out    io.Writer
	mu     *sync.Mutex
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		p.emit(p.buf[:i+1])
		p.buf = p.buf[i+1:]
	}
}

func (p *prefixWriter) flush() {
	if len(p.buf) > 0 {
		p.emit(append(p.buf, '\n'))
		p.buf = nil
	}
}

func (p *prefixWriter) emit(line []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	io.WriteString(p.out, p.prefix)
	p.out.Write(line)
}
