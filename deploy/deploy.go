// Package deploy registers rendered jobs with Nomad and follows them until
// the site is healthy or Nomad has given up on it. It holds no spec logic:
// what to run comes from package jobs, when to run it from the CLI.
package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
)

// Apply registers job and waits until its deployment is successful. It
// fails fast when Nomad cannot place the job at all, and on a failed
// deployment returns what the failing tasks said.
func Apply(ctx context.Context, nc *nomad.Client, job *nomad.Job, out io.Writer) error {
	id := *job.ID
	resp, _, err := nc.Jobs().Register(job, (&nomad.WriteOptions{}).WithContext(ctx))
	if err != nil {
		return fmt.Errorf("register %s: %w", id, err)
	}
	if resp.Warnings != "" {
		fmt.Fprintf(out, "%s: nomad warns: %s\n", id, strings.TrimSpace(resp.Warnings))
	}
	if resp.EvalID != "" {
		if err := waitEval(ctx, nc, resp.EvalID); err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
	}
	return Follow(ctx, nc, id, out)
}

// Register registers job and returns once the scheduler has placed it,
// without waiting for it to become healthy (apply --detach).
func Register(ctx context.Context, nc *nomad.Client, job *nomad.Job) error {
	resp, _, err := nc.Jobs().Register(job, (&nomad.WriteOptions{}).WithContext(ctx))
	if err != nil {
		return fmt.Errorf("register %s: %w", *job.ID, err)
	}
	if resp.EvalID == "" {
		return nil
	}
	return waitEval(ctx, nc, resp.EvalID)
}

// Follow waits for the deployment of the site's current job version.
func Follow(ctx context.Context, nc *nomad.Client, id string, out io.Writer) error {
	registered, _, err := nc.Jobs().Info(id, (&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return err
	}
	return followDeployment(ctx, nc, id, *registered.Version, out)
}

// waitEval waits for the scheduler's verdict on a registration; a job that
// cannot be placed (no node has the memory, say) never gets a deployment to
// watch, so this is where that is reported.
func waitEval(ctx context.Context, nc *nomad.Client, evalID string) error {
	var index uint64
	for {
		q := (&nomad.QueryOptions{WaitIndex: index, WaitTime: 30 * time.Second}).WithContext(ctx)
		ev, meta, err := nc.Evaluations().Info(evalID, q)
		if err != nil {
			return err
		}
		index = meta.LastIndex
		switch ev.Status {
		case "pending":
			continue
		case "complete":
			if len(ev.FailedTGAllocs) > 0 {
				return fmt.Errorf("nomad could not place it: %s", placementFailure(ev.FailedTGAllocs))
			}
			return nil
		default:
			return fmt.Errorf("evaluation %s: %s", ev.Status, ev.StatusDescription)
		}
	}
}

func placementFailure(failed map[string]*nomad.AllocationMetric) string {
	var parts []string
	for tg, m := range failed {
		var why []string
		for dim, n := range m.DimensionExhausted {
			why = append(why, fmt.Sprintf("%s exhausted on %d node(s)", dim, n))
		}
		for c, n := range m.ConstraintFiltered {
			why = append(why, fmt.Sprintf("constraint %s filtered %d node(s)", c, n))
		}
		if m.NodesEvaluated == 0 {
			why = append(why, "no eligible node")
		}
		sort.Strings(why)
		parts = append(parts, fmt.Sprintf("group %q: %s", tg, strings.Join(why, "; ")))
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// followDeployment waits for the deployment of the given job version,
// printing each change in healthy instance counts.
func followDeployment(ctx context.Context, nc *nomad.Client, id string, version uint64, out io.Writer) error {
	var dep *nomad.Deployment
	for dep == nil {
		d, _, err := nc.Jobs().LatestDeployment(id, (&nomad.QueryOptions{}).WithContext(ctx))
		if err != nil {
			return err
		}
		if d != nil && d.JobVersion == version {
			dep = d
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: no deployment for version %d: %w", id, version, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
	var index uint64
	last := ""
	for {
		q := (&nomad.QueryOptions{WaitIndex: index, WaitTime: 30 * time.Second}).WithContext(ctx)
		d, meta, err := nc.Deployments().Info(dep.ID, q)
		if err != nil {
			return err
		}
		index = meta.LastIndex
		if p := progress(d); p != last {
			fmt.Fprintf(out, "%s v%d: %s\n", id, version, p)
			last = p
		}
		switch d.Status {
		case nomad.DeploymentStatusSuccessful:
			waitReplaced(ctx, nc, id, version, out)
			return nil
		case nomad.DeploymentStatusFailed, nomad.DeploymentStatusCancelled:
			return fmt.Errorf("%s: deployment %s: %s%s", id, d.Status, d.StatusDescription, failingTasks(ctx, nc, d.ID))
		}
	}
}

// replacedWithin bounds the wait for old instances: the kill timeout
// (10 s) plus the shutdown delay and some slack.
const replacedWithin = 30 * time.Second

// waitReplaced returns once no instance of an earlier job version is still
// running. A deployment is successful as soon as the new instances are
// healthy, before the scheduler has stopped the old ones, so without this
// wait `apply` would return while the previous version still answers some
// requests (the fetched-sources test caught that). In-place updates (a
// scale, say) move instances to the new version, so they are not waited
// for. Waiting too long is reported, not failed: the deploy itself is done.
func waitReplaced(ctx context.Context, nc *nomad.Client, id string, version uint64, out io.Writer) {
	ctx, cancel := context.WithTimeout(ctx, replacedWithin)
	defer cancel()
	var index uint64
	for {
		q := (&nomad.QueryOptions{WaitIndex: index, WaitTime: 5 * time.Second}).WithContext(ctx)
		allocs, meta, err := nc.Jobs().Allocations(id, false, q)
		if err != nil {
			if ctx.Err() != nil {
				fmt.Fprintf(out, "%s v%d: earlier instances still stopping after %s\n", id, version, replacedWithin)
			}
			return
		}
		index = meta.LastIndex
		old := 0
		for _, a := range allocs {
			if a.JobVersion < version && (a.ClientStatus == nomad.AllocClientStatusRunning || a.ClientStatus == nomad.AllocClientStatusPending) {
				old++
			}
		}
		if old == 0 {
			return
		}
	}
}

func progress(d *nomad.Deployment) string {
	var parts []string
	for name, s := range d.TaskGroups {
		parts = append(parts, fmt.Sprintf("%s %d/%d healthy", name, s.HealthyAllocs, s.DesiredTotal))
	}
	sort.Strings(parts)
	return d.Status + ", " + strings.Join(parts, ", ")
}

// failingTasks summarises the last events of unhealthy allocations, which
// is usually where the reason (a crash, a bad import) shows.
func failingTasks(ctx context.Context, nc *nomad.Client, depID string) string {
	allocs, _, err := nc.Deployments().Allocations(depID, (&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return ""
	}
	var b strings.Builder
	for _, a := range allocs {
		if a.DeploymentStatus != nil && a.DeploymentStatus.Healthy != nil && *a.DeploymentStatus.Healthy {
			continue
		}
		for task, st := range a.TaskStates {
			fmt.Fprintf(&b, "\n  alloc %s task %s (%s):", a.ID[:8], task, st.State)
			for _, e := range telling(st.Events, 4) {
				fmt.Fprintf(&b, "\n    %s %s", e.Type, e.DisplayMessage)
			}
			if tail := logTail(ctx, nc, a.ID, task); tail != "" {
				fmt.Fprintf(&b, "\n    last stderr:\n%s", tail)
			}
		}
	}
	return b.String()
}

// logTail is the end of a task's stderr, where a Python traceback lands.
func logTail(ctx context.Context, nc *nomad.Client, allocID, task string) string {
	a, _, err := nc.Allocations().Info(allocID, (&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return ""
	}
	var raw strings.Builder
	tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_ = streamLog(tctx, nc, a, task, "stderr", LogOptions{TailBytes: 16 << 10}, &raw)
	var buf strings.Builder
	w := &prefixWriter{prefix: "      | ", out: &buf, mu: &sync.Mutex{}}
	w.Write([]byte(tellingTail(raw.String(), 1500)))
	w.flush()
	return strings.TrimRight(buf.String(), "\n")
}

// exceptionLine is how Python names what went wrong ("ModuleNotFoundError:
// No module named 'x'"), the line a user needs from a crash.
var exceptionLine = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*(Error|Exception|Exit|Interrupt)(: .*)?$`)

// tellingTail is the last n bytes of a log, preceded by the exception lines
// found earlier in it: gunicorn ends a failed boot with its own traceback,
// which, with two workers' tracebacks interleaved, pushed the app's
// ModuleNotFoundError out of a plain tail in one run of several.
func tellingTail(log string, n int) string {
	tail := log
	if len(tail) > n {
		tail = tail[len(tail)-n:]
		if i := strings.IndexByte(tail, '\n'); i >= 0 {
			tail = tail[i+1:]
		}
	}
	var found []string
	seen := map[string]bool{}
	for _, line := range strings.Split(log[:len(log)-len(tail)], "\n") {
		line = strings.TrimSpace(line)
		if exceptionLine.MatchString(line) && !seen[line] && len(found) < 5 {
			seen[line] = true
			found = append(found, line)
		}
	}
	if len(found) == 0 {
		return tail
	}
	return strings.Join(found, "\n") + "\n...\n" + tail
}

// Destroy stops the site's job, waits until every allocation's processes
// have exited, and only then purges the job. Purging first would be
// quicker but unsafe: Nomad forgets purged allocations while their
// processes are still shutting down, so nothing could be waited on.
func Destroy(ctx context.Context, nc *nomad.Client, id string) error {
	if _, _, err := nc.Jobs().Info(id, (&nomad.QueryOptions{}).WithContext(ctx)); err != nil {
		if isNotFound(err) {
			return notDeployed(id)
		}
		return err
	}
	if _, _, err := nc.Jobs().Deregister(id, false, (&nomad.WriteOptions{}).WithContext(ctx)); err != nil {
		return err
	}
	if err := waitAllocsStopped(ctx, nc, id); err != nil {
		return fmt.Errorf("%s: %w", id, err)
	}
	if _, _, err := nc.Jobs().Deregister(id, true, (&nomad.WriteOptions{}).WithContext(ctx)); err != nil {
		return err
	}
	crons, err := cronJobsOf(ctx, nc, id)
	if err != nil {
		return err
	}
	for _, c := range crons {
		if err := removeJobAndChildren(ctx, nc, c); err != nil {
			return err
		}
	}
	return nil
}

// waitAllocsStopped blocks until no allocation of the job is pending or
// running on its client.
func waitAllocsStopped(ctx context.Context, nc *nomad.Client, id string) error {
	var index uint64
	for {
		q := (&nomad.QueryOptions{WaitIndex: index, WaitTime: 10 * time.Second}).WithContext(ctx)
		allocs, meta, err := nc.Jobs().Allocations(id, true, q)
		if err != nil {
			return err
		}
		index = meta.LastIndex
		var live []string
		for _, a := range allocs {
			if a.ClientStatus == nomad.AllocClientStatusPending || a.ClientStatus == nomad.AllocClientStatusRunning {
				live = append(live, a.ID[:8])
			}
		}
		if len(live) == 0 {
			return nil
		}
		if ctx.Err() != nil {
			return errors.Join(ctx.Err(), fmt.Errorf("allocations still running: %v", live))
		}
	}
}

func isNotFound(err error) bool {
	if err == nil {
		return false
	}
	var ue nomad.UnexpectedResponseError
	if errors.As(err, &ue) {
		return ue.StatusCode() == 404
	}
	return strings.Contains(err.Error(), "404")
}

// telling picks the last n task events, plus the last one that carried an
// error if it fell out of that window: after a failed start Nomad keeps
// appending (Not Restarting, Alloc Unhealthy, Killing, ...), which would
// otherwise push the reason (a checksum mismatch, a bad command) out.
func telling(events []*nomad.TaskEvent, n int) []*nomad.TaskEvent {
	if len(events) <= n {
		return events
	}
	tail := events[len(events)-n:]
	for i := len(events) - 1; i >= 0; i-- {
		if carriesError(events[i]) {
			if i < len(events)-n {
				return append([]*nomad.TaskEvent{events[i]}, tail...)
			}
			break
		}
	}
	return tail
}

func carriesError(e *nomad.TaskEvent) bool {
	return e.DownloadError != "" || e.SetupError != "" || e.DriverError != "" ||
		e.ValidationError != "" || e.KillError != "" || e.VaultError != ""
}

// notDeployed is the one answer for a site Nomad has no job for, coded so
// scripts can tell it from a failure.
func notDeployed(site string) error {
	return contract.Errorf(contract.NotFound, "site %q is not deployed", site)
}
