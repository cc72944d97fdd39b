package btrfs

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// run execs a tool with argv (never a shell) and folds its stderr into the
// error, since btrfs-progs explains failures only there.
func run(ctx context.Context, tool string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, tool, args...)
	// LC_ALL=C keeps the output we parse in the one language we parse.
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %w: %s", tool, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

func btrfs(ctx context.Context, args ...string) (string, error) {
	return run(ctx, "btrfs", args...)
}
