package jobs

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/dustin/go-humanize"
)

// parseSize reads sizes like "256MiB", "1GiB" or "512MB". A unit is
// required: a bare "256" is ambiguous between bytes and megabytes, and a
// guess either way is a silent misconfiguration.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if len(t) > 32 {
		return 0, fmt.Errorf("size %.32q... is not a size such as \"256MiB\"", s)
	}
	if t == "" || unicode.IsDigit(rune(t[len(t)-1])) {
		return 0, fmt.Errorf("size %q needs a unit, e.g. \"256MiB\" or \"1GiB\"", s)
	}
	n, err := humanize.ParseBytes(t)
	if err != nil {
		return 0, fmt.Errorf("size %q: %w", s, err)
	}
	if n > 1<<50 {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return int64(n), nil
}

// mebibytes rounds a byte count up to whole MiB, Nomad's memory unit.
func mebibytes(b int64) int { return int((b + (1<<20 - 1)) >> 20) }
