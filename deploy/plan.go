package deploy

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	nomad "github.com/hashicorp/nomad/api"
)

// Plan asks Nomad what registering job would change, without changing
// anything, and writes the difference readably. It reports whether there
// is any change.
func Plan(ctx context.Context, nc *nomad.Client, job *nomad.Job, out io.Writer) (bool, error) {
	resp, _, err := nc.Jobs().PlanOpts(job, &nomad.PlanOptions{Diff: true}, (&nomad.WriteOptions{}).WithContext(ctx))
	if err != nil {
		return false, fmt.Errorf("plan %s: %w", *job.ID, err)
	}
	d := resp.Diff
	if d == nil || d.Type == "None" {
		fmt.Fprintf(out, "site %s: no changes\n", *job.ID)
		return false, nil
	}
	w := &diffWriter{out: out}
	w.line(0, d.Type, "site "+*job.ID)
	w.fields(1, d.Fields)
	w.objects(1, d.Objects)
	for _, tg := range d.TaskGroups {
		if tg.Type == "None" {
			continue
		}
		w.line(1, tg.Type, "process "+tg.Name+updates(tg.Updates))
		w.fields(2, tg.Fields)
		w.objects(2, tg.Objects)
		for _, t := range tg.Tasks {
			if t.Type == "None" {
				continue
			}
			w.line(2, t.Type, "task "+t.Name)
			w.fields(3, t.Fields)
			w.objects(3, t.Objects)
		}
	}
	if len(resp.FailedTGAllocs) > 0 {
		fmt.Fprintf(out, "! Nomad could not place it: %s\n", placementFailure(resp.FailedTGAllocs))
	}
	return true, nil
}

// updates summarises what the scheduler would do to instances, e.g.
// "(1 create/destroy update, 1 in-place update)".
func updates(u map[string]uint64) string {
	var parts []string
	for k, n := range u {
		if n > 0 && k != "ignore" {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	sort.Strings(parts)
	return " (" + strings.Join(parts, ", ") + ")"
}

type diffWriter struct{ out io.Writer }

func (w *diffWriter) line(depth int, typ, text string) {
	fmt.Fprintf(w.out, "%s%s %s\n", strings.Repeat("  ", depth), marker(typ), text)
}

func (w *diffWriter) fields(depth int, fs []*nomad.FieldDiff) {
	for _, f := range fs {
		switch f.Type {
		case "Added":
			w.line(depth, f.Type, fmt.Sprintf("%s: %q", f.Name, f.New))
		case "Deleted":
			w.line(depth, f.Type, fmt.Sprintf("%s: %q", f.Name, f.Old))
		case "Edited":
			w.line(depth, f.Type, fmt.Sprintf("%s: %q => %q", f.Name, f.Old, f.New))
		}
	}
}

func (w *diffWriter) objects(depth int, os []*nomad.ObjectDiff) {
	for _, o := range os {
		if o.Type == "None" {
			continue
		}
		w.line(depth, o.Type, o.Name)
		w.fields(depth+1, o.Fields)
		w.objects(depth+1, o.Objects)
	}
}

func marker(typ string) string {
	switch typ {
	case "Added":
		return "+"
	case "Deleted":
		return "-"
	case "Edited":
		return "~"
	}
	return " "
}
