package sleep

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	nomad "github.com/hashicorp/nomad/api"
)

// scale sets the groups named in counts to their counts through Nomad's
// scale endpoint — on a wake web first, since serving is the point of it;
// on a sleep web last, so the site serves until the end. The router's token may scale jobs but not submit them (a token that
// can register a job can run anything as root on every node). The first
// scale is check-and-set against the job as read: if anything changed the
// job since (an apply, another waker), Nomad refuses (isIndexConflict) and
// nothing changes. Groups the job does not have are skipped. It reports
// whether anything changed.
//
// Nomad refuses to scale while a deployment is active, and each scale of
// a group with an update block starts one (a wake's lasts until the new
// instances are healthy), so each scale waits for the deployment before it
// to end (waitDeployment), within ctx: a sleep just after a wake, or a
// site's second process after its first.
func (c Client) scale(ctx context.Context, job *nomad.Job, counts map[string]int, message string, webFirst bool) (bool, error) {
	current := countsOf(job)
	var order []string
	for g, n := range counts {
		if cur, ok := current[g]; ok && cur != n {
			order = append(order, g)
		}
	}
	if len(order) == 0 {
		return false, nil
	}
	slices.SortFunc(order, func(a, b string) int {
		if (a == webGroup) != (b == webGroup) {
			return boolCmp(a != webGroup, b != webGroup) * map[bool]int{true: 1, false: -1}[webFirst]
		}
		return strings.Compare(a, b)
	})
	target := maps.Clone(current)
	maps.Copy(target, counts)
	w := (&nomad.WriteOptions{}).WithContext(ctx)
	for i, g := range order {
		n := int64(counts[g])
		req := &nomad.ScalingRequest{
			Count:   &n,
			Target:  map[string]string{"Job": *job.ID, "Group": g},
			Message: message,
			Meta:    map[string]any{"counts": FormatCounts(target)},
		}
		if i == 0 {
			req.JobModifyIndex = *job.JobModifyIndex
		}
		for {
			_, _, err := c.Nomad.Jobs().ScaleWithRequest(*job.ID, req, w)
			if err == nil {
				break
			}
			if !isActiveDeployment(err) {
				return i > 0, err
			}
			if err := c.waitDeployment(ctx, *job.ID); err != nil {
				return true, err
			}
		}
	}
	return true, nil
}

func isActiveDeployment(err error) bool {
	return err != nil && strings.Contains(err.Error(), "active deployment")
}

// waitDeployment waits until the job's latest deployment is over.
func (c Client) waitDeployment(ctx context.Context, job string) error {
	for {
		busy, err := c.deploying(ctx, job)
		if err != nil || !busy {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), errors.New("waiting for the previous group's deployment to end"))
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
