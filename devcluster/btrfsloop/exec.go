package btrfsloop

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// run execs a tool with argv (never a shell) in a fixed environment:
// nothing of the caller's leaks in, and LC_ALL=C keeps the messages in one
// language. None of the tools here print anything to parse, so their
// combined output serves only to explain a failure.
func run(ctx context.Context, tool string, args ...string) error {
	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %w: %s", tool, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
