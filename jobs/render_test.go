package jobs

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/hostctl/hostctl/contract"
)

func TestRender(t *testing.T) {
	s := Site{
		Name: "hello", Domains: []string{"hello.localhost", "www.hello.localhost"},
		AppDir: "/srv/sources/hello", CodeRoot: "/srv/sources", WSGI: "app:application", Python: "/usr/bin/python3.11", Requirements: DefaultRequirements,
		Web:    Web{Instances: 2, Workers: 3, Threads: 4, Timeout: DefaultTimeout, MaxRequests: 1000, Resources: Resources{MemoryMB: 128, MemoryMaxMB: 256, CPU: 100}},
		Health: Health{Path: "/healthz", Interval: DefaultHealthInterval, Timeout: DefaultHealthTimeout},
	}
	job := Render(s, 2000042)
	if *job.ID != "hello" || *job.Type != "service" || job.Meta[contract.MetaSite] != "hello" || job.Meta[contract.MetaUID] != "2000042" {
		t.Errorf("job id=%q type=%q meta=%v", *job.ID, *job.Type, job.Meta)
	}
	if len(job.TaskGroups) != 1 {
		t.Fatalf("groups = %d", len(job.TaskGroups))
	}
	tg := job.TaskGroups[0]
	if *tg.Count != 2 {
		t.Errorf("count = %d, want 2", *tg.Count)
	}
	if !*tg.Update.AutoRevert || *tg.Update.HealthCheck != "checks" {
		t.Errorf("update = %+v", tg.Update)
	}
	if got := tg.Networks[0].DynamicPorts; len(got) != 1 || got[0].Label != PortLabel {
		t.Errorf("ports = %+v", got)
	}
	svc := tg.Services[0]
	if svc.Name != "hello" || svc.Provider != "consul" || svc.PortLabel != PortLabel {
		t.Errorf("service = %+v", svc)
	}
	if !slices.Equal(svc.Tags, []string{contract.ServiceTag, "hello.localhost", "www.hello.localhost"}) {
		t.Errorf("tags = %v", svc.Tags)
	}
	if svc.Meta[contract.MetaDomains] != "hello.localhost,www.hello.localhost" {
		t.Errorf("meta = %v", svc.Meta)
	}
	chk := svc.Checks[0]
	if chk.Type != "http" || chk.Path != "/healthz" || chk.Header["Host"][0] != "hello.localhost" {
		t.Errorf("check = %+v", chk)
	}
	task := tg.Tasks[0]
	// The task starts as root only to be dropped to the site's uid by the
	// launcher: a Nomad task user would skip closing the task dirs.
	if task.Driver != "raw_exec" || task.User != "" {
		t.Errorf("task driver=%q user=%q", task.Driver, task.User)
	}
	if task.Config["command"] != "${meta.hostctl_launcher}" {
		t.Errorf("command = %v", task.Config["command"])
	}
	args := task.Config["args"].([]string)
	wantLaunch := []string{"launch", "--uid", "2000042", "--version-key", VersionKey(s, 2000042), "--code-root", "/srv/sources", "--code", "hello", "--python", "/usr/bin/python3.11",
		"--requirements", "requirements.txt", "--log-files", "3", "--log-file-mb", "5", "--", "python", "-m", "gunicorn"}
	if !slices.Equal(args[:len(wantLaunch)], wantLaunch) {
		t.Errorf("args do not go through the launcher: %v", args[:len(wantLaunch)])
	}
	// The launcher writes the logs, so Nomad must not run a logmon too.
	if lc := task.LogConfig; lc == nil || lc.Disabled == nil || !*lc.Disabled {
		t.Errorf("log config %+v: Nomad's log collection should be off", lc)
	}
	if len(task.Artifacts) != 0 {
		t.Errorf("a local app needs no artifact: %+v", task.Artifacts)
	}
	if c := job.Constraints; len(c) != 1 || c[0].LTarget != "${meta.hostctl_launcher}" || c[0].Operand != "is_set" {
		t.Errorf("constraints = %+v", c)
	}
	for _, want := range [][]string{{"--bind", "${NOMAD_ADDR_http}"}, {"--workers", "3"}, {"--chdir", RunningAppDir}} {
		i := slices.Index(args, want[0])
		if i < 0 || args[i+1] != want[1] {
			t.Errorf("args %v lack %v", args, want)
		}
	}
	if args[len(args)-1] != "app:application" {
		t.Errorf("last arg = %q, want the WSGI target", args[len(args)-1])
	}
}

func TestRenderFetchedSource(t *testing.T) {
	for _, c := range []struct {
		name    string
		src     Source
		getter  string
		options map[string]string
		app     string
	}{
		{"git", Source{Git: "https://git.example.com/blog.git", Ref: "v1.2.0", Dir: "src"},
			"git::https://git.example.com/blog.git", map[string]string{"ref": "v1.2.0"}, "local/source/src"},
		{"archive", Source{Archive: "https://example.com/blog.tar.gz", Checksum: "sha256:" + strings.Repeat("ab", 32)},
			"https://example.com/blog.tar.gz", map[string]string{"checksum": "sha256:" + strings.Repeat("ab", 32)}, "local/source"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := Site{Name: "blog", Domains: []string{"blog.localhost"}, Source: &c.src, WSGI: "app:app",
				Python: DefaultPython, Requirements: "reqs/prod.txt", RequirementsRequired: true,
				Release: [][]string{{"python3", "manage.py", "migrate"}},
				Crons:   []Cron{{Name: "nightly", Schedule: "@daily", Command: []string{"python3", "job.py"}}}}
			tasks := Render(s, 2000042).TaskGroups[0].Tasks
			tasks = append(tasks, RenderCrons(s, 2000042)[0].TaskGroups[0].Tasks...)
			// Every process kind needs the code: release, gunicorn, crons.
			if len(tasks) != 3 {
				t.Fatalf("tasks = %d", len(tasks))
			}
			for _, task := range tasks {
				if len(task.Artifacts) != 1 {
					t.Fatalf("task %s artifacts = %+v", task.Name, task.Artifacts)
				}
				a := task.Artifacts[0]
				if *a.GetterSource != c.getter || !maps.Equal(a.GetterOptions, c.options) || *a.RelativeDest != "local/source" {
					t.Errorf("task %s artifact = %s %v %s", task.Name, *a.GetterSource, a.GetterOptions, *a.RelativeDest)
				}
				args := task.Config["args"].([]string)
				// Fetched code is copied by the launcher as the site, from
				// the task dir: never named by an absolute path.
				if i := slices.Index(args, "--fetched"); i < 0 || args[i+1] != c.app || slices.Contains(args, "--code") {
					t.Errorf("task %s --fetched in %v, want %s", task.Name, args, c.app)
				}
				if !slices.Contains(args, "--requirements-required") {
					t.Errorf("task %s: a named requirements file must be required: %v", task.Name, args)
				}
			}
		})
	}
}
