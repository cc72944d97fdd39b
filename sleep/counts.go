package sleep

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
)

// webGroup is the group that serves requests and carries the service
// (jobs.Render names it after the process "web").
const webGroup = "web"

// FormatCounts writes group counts as the marker carries them,
// "web=2,worker=1", sorted so that the same counts always read the same.
func FormatCounts(counts map[string]int) string {
	parts := make([]string, 0, len(counts))
	for _, g := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, g+"="+strconv.Itoa(counts[g]))
	}
	return strings.Join(parts, ",")
}

// ParseCounts reads FormatCounts' output back. The marker is written by
// hostctl, but Consul lets anyone with write access edit it, and a wake
// must not scale a job by whatever it finds there.
func ParseCounts(s string) (map[string]int, error) {
	counts := map[string]int{}
	if s == "" {
		return counts, nil
	}
	for part := range strings.SplitSeq(s, ",") {
		name, n, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("counts %q: %q is not group=count", s, part)
		}
		if err := contract.CheckProcessName(name); err != nil {
			return nil, fmt.Errorf("counts %q: %w", s, err)
		}
		if _, dup := counts[name]; dup {
			return nil, fmt.Errorf("counts %q: %s appears twice", s, name)
		}
		c, err := strconv.Atoi(n)
		// The same bound as `site scale`: a count is a handful of
		// instances, never a typo's thousands.
		if err != nil || c < 0 || c > 64 {
			return nil, fmt.Errorf("counts %q: %s=%s is not a count between 0 and 64", s, name, n)
		}
		counts[name] = c
	}
	return counts, nil
}

// countsOf is each group's count in job.
func countsOf(job *nomad.Job) map[string]int {
	counts := make(map[string]int, len(job.TaskGroups))
	for _, tg := range job.TaskGroups {
		if tg.Name == nil {
			continue
		}
		n := 1 // Nomad's default for a group without a count
		if tg.Count != nil {
			n = *tg.Count
		}
		counts[*tg.Name] = n
	}
	return counts
}

// awake reports whether counts run any web instance.
func awake(counts map[string]int) bool { return counts[webGroup] > 0 }
