package deploy

import (
	"errors"
	"strings"
	"testing"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
)

func TestTellingKeepsTheLastErrorInView(t *testing.T) {
	ev := func(typ, download string) *nomad.TaskEvent {
		return &nomad.TaskEvent{Type: typ, DownloadError: download}
	}
	events := []*nomad.TaskEvent{
		ev("Received", ""), ev("Failed Artifact Download", "checksum 1"),
		ev("Restarting", ""), ev("Failed Artifact Download", "checksum 2"),
		ev("Not Restarting", ""), ev("Alloc Unhealthy", ""), ev("Killing", ""), ev("Killed", ""),
	}
	got := telling(events, 4)
	if len(got) != 5 || got[0].DownloadError != "checksum 2" || got[4].Type != "Killed" {
		var types []string
		for _, e := range got {
			types = append(types, e.Type+":"+e.DownloadError)
		}
		t.Fatalf("telling = %v, want the second download failure then the last four", types)
	}
	// Already in the window: nothing is repeated.
	if got := telling(events[:6], 4); len(got) != 4 || got[1].DownloadError != "checksum 2" {
		t.Fatalf("telling(first six) returned %d events starting %q", len(got), got[0].Type)
	}
	if got := telling(events[:3], 4); len(got) != 3 {
		t.Fatalf("short history trimmed to %d", len(got))
	}
}

func TestSameButRestart(t *testing.T) {
	job := func(image, stamp string) *nomad.Job {
		tg := nomad.NewTaskGroup("web", 1)
		tg.Meta = map[string]string{"other": "kept"}
		if stamp != "" {
			tg.Meta[contract.MetaRestart] = stamp
		}
		tg.AddTask(&nomad.Task{Name: "gunicorn", Env: map[string]string{"V": image}})
		j := nomad.NewServiceJob("shop", "shop", "", 50)
		j.AddTaskGroup(tg)
		return j
	}
	for _, c := range []struct {
		name string
		a, b *nomad.Job
		same bool
	}{
		{"only the stamp differs", job("v1", "t1"), job("v1", "t2"), true},
		{"stamp added", job("v1", ""), job("v1", "t1"), true},
		{"the code differs", job("v1", "t1"), job("v2", "t1"), false},
		{"code and stamp differ", job("v1", ""), job("v2", "t1"), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := sameButRestart(c.a, c.b); got != c.same {
				t.Errorf("sameButRestart = %v, want %v", got, c.same)
			}
		})
	}
}

func TestTellingTailKeepsTheException(t *testing.T) {
	app := "Traceback (most recent call last):\n  File \"app.py\", line 1\nModuleNotFoundError: No module named 'no_such_module'\n"
	noise := strings.Repeat("  File \"/usr/lib/python3/dist-packages/gunicorn/arbiter.py\", line 525, in reap_workers\n", 40)
	for _, c := range []struct {
		name, log string
		want      []string
	}{
		{"exception pushed out of the tail", app + noise + "gunicorn.errors.HaltServer: <HaltServer 'Worker failed to boot.' 3>\n",
			[]string{"ModuleNotFoundError: No module named 'no_such_module'\n...\n", "HaltServer"}},
		{"short log unchanged", app, []string{app}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := tellingTail(c.log, 500)
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("tellingTail lacks %q:\n%s", w, got)
				}
			}
			if len(got) > 1000 {
				t.Errorf("tellingTail is %d bytes", len(got))
			}
		})
	}
}

func TestNotWrittenYet(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		want bool
	}{
		{`Unexpected response code: 404 (log entry for task "run" and log type "stdout" not found)`, true},
		{"task not started yet", true},
		{"open /x/alloc/logs/run.stdout.0: no such file or directory", true},
		{"Unexpected response code: 403 (Permission denied)", false},
		{"connection refused", false},
	} {
		t.Run(tc.msg, func(t *testing.T) {
			if got := notWrittenYet(errors.New(tc.msg)); got != tc.want {
				t.Errorf("notWrittenYet(%q) = %v, want %v", tc.msg, got, tc.want)
			}
		})
	}
}

func TestIsNotFound(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"a 404", errors.New("Unexpected response code: 404 (job not found)"), true},
		{"another error", errors.New("connection refused"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := isNotFound(tc.err); got != tc.want {
				t.Errorf("isNotFound(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
