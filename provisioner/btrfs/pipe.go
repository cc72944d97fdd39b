package btrfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
)

// pipe runs `btrfs from... | btrfs to...` with argv (no shell, no file in
// between) and returns how many bytes went through. Either side failing
// fails the whole: a receive that stops early must not pass for a copy.
func pipe(ctx context.Context, from, to []string) (int64, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return 0, err
	}
	send, sendErr := btrfsCmd(ctx, from)
	recv, recvErr := btrfsCmd(ctx, to)
	send.Stdout = pw
	counted := &countingReader{r: pr}
	recv.Stdin = counted
	if err := send.Start(); err != nil {
		pr.Close()
		pw.Close()
		return 0, err
	}
	// Only the child writes now; our copy would keep receive from ever
	// seeing the end of the stream.
	pw.Close()
	if err := recv.Start(); err != nil {
		pr.Close()
		return 0, errors.Join(err, send.Wait())
	}
	rerr := recv.Wait()
	// A receive that died leaves send blocked on a full pipe until it
	// learns nobody reads.
	pr.Close()
	serr := send.Wait()
	if serr != nil {
		serr = fmt.Errorf("btrfs %s: %w: %s", strings.Join(from, " "), serr, strings.TrimSpace(sendErr.String()))
	}
	if rerr != nil {
		rerr = fmt.Errorf("btrfs %s: %w: %s", strings.Join(to, " "), rerr, strings.TrimSpace(recvErr.String()))
	}
	return counted.n.Load(), errors.Join(serr, rerr)
}

func btrfsCmd(ctx context.Context, args []string) (*exec.Cmd, *bytes.Buffer) {
	cmd := exec.CommandContext(ctx, "btrfs", args...)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	return cmd, &stderr
}

type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
