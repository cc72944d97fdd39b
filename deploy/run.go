package deploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
)

// MetaRunOf marks a one-off job with the site it runs for; such jobs are
// not sites themselves.
const MetaRunOf = "hostctl_run_of"

// Run executes argv once in the site's environment — its uid, env,
// secrets and app directory, through the same launcher — as a Nomad batch
// job, streams its output, and returns its exit code. The job is purged
// afterwards either way.
func Run(ctx context.Context, nc *nomad.Client, site string, argv []string, stdout, stderr io.Writer) (int, error) {
	q := (&nomad.QueryOptions{}).WithContext(ctx)
	job, _, err := nc.Jobs().Info(site, q)
	if err != nil {
		if isNotFound(err) {
			return 0, notDeployed(site)
		}
		return 0, err
	}
	run, err := runJob(job, argv)
	if err != nil {
		return 0, err
	}
	id := *run.ID
	defer func() {
		// Purge even if ctx was cancelled (Ctrl-C): a fresh context.
		pctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _, _ = nc.Jobs().Deregister(id, true, (&nomad.WriteOptions{}).WithContext(pctx))
		_ = revokeSiteVariables(pctx, nc, id)
	}()
	if err := grantSiteVariables(ctx, nc, site, id); err != nil {
		return 0, err
	}
	if _, _, err := nc.Jobs().Register(run, (&nomad.WriteOptions{}).WithContext(ctx)); err != nil {
		return 0, err
	}
	alloc, err := waitAlloc(ctx, nc, id)
	if err != nil {
		return 0, err
	}
	exited := make(chan struct{})
	done := make(chan error, 2)
	for _, s := range []struct {
		name string
		w    io.Writer
	}{{"stdout", stdout}, {"stderr", stderr}} {
		go func() { done <- tailLog(ctx, nc, alloc, "run", s.name, s.w, exited) }()
	}
	code, err := waitExit(ctx, nc, alloc.ID)
	close(exited)
	for range 2 {
		if lerr := <-done; lerr != nil {
			fmt.Fprintf(stderr, "hostctl: reading the command's output: %v\n", lerr)
		}
	}
	return code, err
}

// tailLog copies a task's log to w as it grows, the way tail -f does, and
// makes one last read after exited closes so the final lines are never
// lost. (Nomad's follow mode, tried first, delivered nothing for commands
// that finish within moments.)
func tailLog(ctx context.Context, nc *nomad.Client, a *nomad.Allocation, task, stream string, w io.Writer, exited <-chan struct{}) error {
	var off int64
	for {
		last := false
		select {
		case <-exited:
			last = true
		default:
		}
		n, err := readLog(ctx, nc, a, task, stream, off, w)
		off += n
		if err != nil || last || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
		case <-exited:
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// readLog copies what the log holds past off to w.
func readLog(ctx context.Context, nc *nomad.Client, a *nomad.Allocation, task, stream string, off int64, w io.Writer) (int64, error) {
	cancel := make(chan struct{})
	defer close(cancel)
	frames, errc := nc.AllocFS().Logs(a, false, task, stream, "start", off, cancel, (&nomad.QueryOptions{}).WithContext(ctx))
	var n int64
	for {
		select {
		case err, ok := <-errc:
			if !ok {
				errc = nil
				continue
			}
			if notWrittenYet(err) {
				return n, nil // nothing written yet; the next read will see it
			}
			return n, err
		case f, ok := <-frames:
			if !ok {
				return n, nil
			}
			if f != nil && len(f.Data) > 0 {
				m, err := w.Write(f.Data)
				n += int64(m)
				if err != nil {
					return n, err
				}
			}
		}
	}
}

// runJob derives the one-off job from the site's deployed web task, so it
// runs exactly as the site does.
func runJob(site *nomad.Job, argv []string) (*nomad.Job, error) {
	var web *nomad.Task
	for _, tg := range site.TaskGroups {
		for _, t := range tg.Tasks {
			if t.Name == "gunicorn" {
				web = t
			}
		}
	}
	if web == nil {
		return nil, fmt.Errorf("site %s has no web task to copy", *site.ID)
	}
	uid := site.Meta[contract.MetaUID]
	if _, err := strconv.Atoi(uid); err != nil {
		return nil, fmt.Errorf("site %s has no uid on its job", *site.ID)
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	id := *site.ID + "-run-" + hex.EncodeToString(suffix)
	job := nomad.NewBatchJob(id, id, "", 60)
	job.Meta = map[string]string{MetaRunOf: *site.ID, contract.MetaUID: uid}
	job.Constraints = site.Constraints
	tg := nomad.NewTaskGroup("run", 1)
	tg.RestartPolicy = &nomad.RestartPolicy{Attempts: ptr(0), Mode: ptr("fail")}
	tg.ReschedulePolicy = &nomad.ReschedulePolicy{Attempts: ptr(0), Unlimited: ptr(false)}
	// The web task's launcher arguments up to "--" (uid, app, ...), then
	// the command: the one-off gets the same private copy of the code.
	webArgs, _ := web.Config["args"].([]any)
	var args []string
	for _, a := range webArgs {
		if a == "--" {
			break
		}
		args = append(args, fmt.Sprint(a))
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("site %s's web task does not run through the launcher", *site.ID)
	}
	t := nomad.NewTask("run", "raw_exec")
	t.Config = map[string]any{
		"command": web.Config["command"],
		"args":    append(append(args, "--"), argv...),
	}
	t.Env = web.Env
	t.Templates = web.Templates
	// A site whose code is fetched (git, archive) fetches it here too.
	t.Artifacts = web.Artifacts
	t.Resources = web.Resources
	// The launcher arguments copied above say who writes the logs; the
	// log config must agree (see jobs.siteTask).
	t.LogConfig = web.LogConfig
	tg.AddTask(t)
	job.AddTaskGroup(tg)
	return job, nil
}

func waitAlloc(ctx context.Context, nc *nomad.Client, id string) (*nomad.Allocation, error) {
	for {
		allocs, _, err := nc.Jobs().Allocations(id, true, (&nomad.QueryOptions{}).WithContext(ctx))
		if err != nil {
			return nil, err
		}
		if len(allocs) > 0 {
			a, _, err := nc.Allocations().Info(allocs[0].ID, (&nomad.QueryOptions{}).WithContext(ctx))
			return a, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitExit waits for the task to finish and returns its exit code.
func waitExit(ctx context.Context, nc *nomad.Client, allocID string) (int, error) {
	var index uint64
	for {
		q := (&nomad.QueryOptions{WaitIndex: index, WaitTime: 30 * time.Second}).WithContext(ctx)
		a, meta, err := nc.Allocations().Info(allocID, q)
		if err != nil {
			return 0, err
		}
		index = meta.LastIndex
		ts := a.TaskStates["run"]
		if ts == nil || ts.State != "dead" {
			continue
		}
		// The command's own exit is the last Terminated event; events after
		// it ("Not Restarting") are Nomad's reaction, not the result.
		for i := len(ts.Events) - 1; i >= 0; i-- {
			if e := ts.Events[i]; e.Type == nomad.TaskTerminated {
				return e.ExitCode, nil
			}
		}
		for _, e := range ts.Events {
			if e.FailsTask {
				return 1, fmt.Errorf("the command did not run: %s: %s", e.Type, e.DisplayMessage)
			}
		}
		return 0, nil
	}
}

func ptr[T any](v T) *T { return &v }

// notWrittenYet tells a log that does not exist yet (the task is starting,
// or its log file is not open yet: Nomad answers 404 "log entry … not
// found" then, seen under load) from a failure to read it.
func notWrittenYet(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "not started yet") || strings.Contains(msg, "no such file") ||
		strings.Contains(msg, "log entry for task") && strings.Contains(msg, "not found")
}
