package jobs

import (
	"slices"
	"testing"
)

func TestRender(t *testing.T) {
	s := Site{
		Name: "hello", Domains: []string{"hello.localhost", "www.hello.localhost"},
		AppDir: "/srv/hello", WSGI: "app:application",
		Web:    Web{Instances: 2, Workers: 3, Threads: 4, Timeout: DefaultTimeout, MaxRequests: 1000, Resources: Resources{MemoryMB: 128, MemoryMaxMB: 256, CPU: 100}},
		Health: Health{Path: "/healthz", Interval: DefaultHealthInterval, Timeout: DefaultHealthTimeout},
	}
	job := Render(s, 2000042)
	if *job.ID != "hello" || *job.Type != "service" || job.Meta[MetaSite] != "hello" || job.Meta[MetaUID] != "2000042" {
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
	if !slices.Equal(svc.Tags, []string{ServiceTag, "hello.localhost", "www.hello.localhost"}) {
		t.Errorf("tags = %v", svc.Tags)
	}
	if svc.Meta[MetaDomains] != "hello.localhost,www.hello.localhost" {
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
	if !slices.Equal(args[:7], []string{"launch", "--uid", "2000042", "--app", "/srv/hello", "--", Gunicorn}) {
		t.Errorf("args do not go through the launcher: %v", args[:7])
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
