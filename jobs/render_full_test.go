package jobs

import (
	"slices"
	"strings"
	"testing"

	"github.com/hostctl/hostctl/contract"
)

func TestRenderEverySetting(t *testing.T) {
	sites, err := ParseSource("testdata/shop.hcl", []byte(fullSpec), testOptions(t, "shop"))
	if err != nil {
		t.Fatal(err)
	}
	// The provisioner fills these in before rendering.
	sites[0].Media.Root, sites[0].Media.Dir = "/srv/media", "/srv/media/sites/shop"
	job := Render(sites[0], 2000001)
	if got := len(job.TaskGroups); got != 2 {
		t.Fatalf("groups = %d, want web and worker", got)
	}
	web, worker := job.TaskGroups[0], job.TaskGroups[1]
	if *web.Name != "web" || *worker.Name != "worker" || *web.Count != 2 || *worker.Count != 1 {
		t.Errorf("groups %s×%d, %s×%d", *web.Name, *web.Count, *worker.Name, *worker.Count)
	}
	var gunicorn, release = web.Tasks[1], web.Tasks[0]
	if release.Name != "release" || release.Lifecycle == nil || release.Lifecycle.Hook != "prestart" {
		t.Errorf("release task = %+v", release)
	}
	args := gunicorn.Config["args"].([]string)
	for _, want := range [][]string{{"--threads", "4"}, {"--timeout", "45"}, {"--max-requests", "1000"}, {"--max-requests-jitter", "100"}} {
		i := slices.Index(args, want[0])
		if i < 0 || args[i+1] != want[1] {
			t.Errorf("gunicorn args lack %v: %v", want, args)
		}
	}
	if r := gunicorn.Resources; *r.MemoryMB != 192 || *r.MemoryMaxMB != 384 || *r.CPU != 200 {
		t.Errorf("web resources = %d/%d MiB, %d MHz", *r.MemoryMB, *r.MemoryMaxMB, *r.CPU)
	}
	// The site's own variables travel prefixed (see contract.EnvPrefix);
	// the platform's under their names.
	if gunicorn.Env["HOSTCTL_ENV_ENVIRONMENT"] != "STAGING" || gunicorn.Env["ENVIRONMENT"] != "" || gunicorn.Env["HOSTCTL_SITE"] != "shop" {
		t.Errorf("env = %v", gunicorn.Env)
	}
	wt := worker.Tasks[0]
	wargs := wt.Config["args"].([]string)
	if !slices.Equal(wargs, []string{"launch", "--uid", "2000001", "--version-key", VersionKey(sites[0], 2000001), "--code-root", sites[0].CodeRoot, "--code", "shop/app", "--python", "/usr/bin/python3", "--requirements", "requirements.txt", "--log-files", "3", "--log-file-mb", "5", "--write", "/srv/media/sites/shop", "--", "/usr/bin/python3", "manage.py", "run_worker"}) {
		t.Errorf("worker args = %v", wargs)
	}
	if wt.Env["MEDIA_ROOT"] != "/srv/media/sites/shop" || wt.Env["MEDIA_URL"] != "/media/" {
		t.Errorf("media env = %q %q", wt.Env["MEDIA_ROOT"], wt.Env["MEDIA_URL"])
	}
	if wt.Env["HOSTCTL_ENV_ENVIRONMENT"] != "STAGING" || *wt.Resources.MemoryMB != 96 || wt.Resources.MemoryMaxMB != nil {
		t.Errorf("worker env %v memory %d max %v", wt.Env, *wt.Resources.MemoryMB, wt.Resources.MemoryMaxMB)
	}
	if len(worker.Services) != 0 || worker.Networks != nil {
		t.Error("a worker process got a service or a port")
	}

	// Secrets: the job names them and says where they come from, but holds
	// no value.
	for _, task := range []*struct {
		name string
		tmpl string
	}{{"gunicorn", *gunicorn.Templates[0].EmbeddedTmpl}, {"worker", *wt.Templates[0].EmbeddedTmpl}} {
		if !strings.Contains(task.tmpl, `nomadVar "nomad/jobs/shop"`) || !strings.Contains(task.tmpl, `STRIPE_KEY={{ index . "STRIPE_KEY" | toJSON }}`) ||
			!strings.Contains(task.tmpl, `DATABASE_URL={{ index . "HOSTCTL_DATABASE_URL" | toJSON }}`) || !strings.Contains(task.tmpl, `PGPASSWORD={{ index . "HOSTCTL_PGPASSWORD" | toJSON }}`) {
			t.Errorf("%s template = %s", task.name, task.tmpl)
		}
	}
	// noop: a rotation must roll instances one by one, not restart all.
	if tm := gunicorn.Templates[0]; !*tm.Envvars || *tm.Perms != "0400" || !strings.HasPrefix(*tm.DestPath, "secrets/") || *tm.ChangeMode != "noop" {
		t.Errorf("template env=%v perms=%s dest=%s change=%s", *tm.Envvars, *tm.Perms, *tm.DestPath, *tm.ChangeMode)
	}

	var cons []string
	for _, c := range job.Constraints {
		cons = append(cons, c.LTarget+" "+c.Operand+" "+c.RTarget)
	}
	for _, want := range []string{"${meta.hostctl_launcher} is_set ", "${node.class} = web", "${attr.kernel.name} = linux", "${meta.hostctl_media_root} = /srv/media"} {
		if !slices.Contains(cons, want) {
			t.Errorf("constraints %q lack %q", cons, want)
		}
	}
	if got := web.Services[0].Meta[contract.MetaRedirects]; got != "old-shop.example.com" {
		t.Errorf("redirects meta = %q", got)
	}
	if got := job.Meta[contract.MetaDomains]; got != "staging.example.com,www.staging.example.com,old-shop.example.com" {
		t.Errorf("job claims %q: redirects must be claimed too", got)
	}
	// Static dirs: served by the web task's launcher on a port of its own,
	// advertised to the router; media stays on the router's disk.
	meta := web.Services[0].Meta
	for key, want := range map[string]string{
		contract.MetaStatic:     "/media/=/srv/media/sites/shop",
		contract.MetaStaticURLs: "/static/",
		contract.MetaStaticPort: "${NOMAD_HOST_PORT_static}",
	} {
		if meta[key] != want {
			t.Errorf("service meta %s = %q, want %q", key, meta[key], want)
		}
	}
	if got := gunicorn.Env[contract.EnvStatic]; got != "/static/=collected" {
		t.Errorf("gunicorn's %s = %q", contract.EnvStatic, got)
	}
	if got, ok := release.Env[contract.EnvStatic]; ok {
		t.Errorf("the release task serves static files too: %q", got)
	}
	ports := web.Networks[0].DynamicPorts
	if len(ports) != 2 || ports[1].Label != contract.StaticPortLabel || ports[1].HostNetwork != ports[0].HostNetwork {
		t.Errorf("web ports = %+v, want http and static on one host network", ports)
	}
}

// TestRenderStaticPort: only a site with static dirs gets the second port
// and the labels, whatever its source.
func TestRenderStaticPort(t *testing.T) {
	base := Site{Name: "a", Domains: []string{"a.test"}, AppDir: "/a", WSGI: "app",
		Web: Web{Instances: 1, Workers: 1, Threads: 1, Timeout: DefaultTimeout, Resources: Resources{CPU: 100, MemoryMB: 64}}}
	for _, c := range []struct {
		name   string
		static []Static
		source *Source
		ports  int
		urls   string
		env    string
	}{
		{"none", nil, nil, 1, "", ""},
		{"local", []Static{{URL: "/static/", Dir: "collected"}}, nil, 2, "/static/", "/static/=collected"},
		{"git", []Static{{URL: "/s/", Dir: "build/s"}, {URL: "/a/", Dir: "."}}, &Source{Git: "https://h/r.git", Ref: "v1"}, 2, "/s/,/a/", "/s/=build/s,/a/=."},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := base
			s.Static, s.Source = c.static, c.source
			web := Render(s, MinTestUID).TaskGroups[0]
			meta, env := web.Services[0].Meta, web.Tasks[len(web.Tasks)-1].Env
			if n := len(web.Networks[0].DynamicPorts); n != c.ports {
				t.Errorf("%d ports, want %d", n, c.ports)
			}
			if meta[contract.MetaStaticURLs] != c.urls || env[contract.EnvStatic] != c.env {
				t.Errorf("urls %q env %q, want %q %q", meta[contract.MetaStaticURLs], env[contract.EnvStatic], c.urls, c.env)
			}
			if _, ok := meta[contract.MetaStaticPort]; ok != (c.urls != "") {
				t.Errorf("static port meta present = %v", ok)
			}
			if _, ok := meta[contract.MetaStatic]; ok {
				t.Errorf("router-served static meta without media: %q", meta[contract.MetaStatic])
			}
		})
	}
}

func TestRenderNoSecretsNoTemplate(t *testing.T) {
	s := Site{Name: "a", Domains: []string{"a.test"}, AppDir: "/a", WSGI: "app",
		Web: Web{Instances: 1, Workers: 1, Threads: 1, Timeout: DefaultTimeout, Resources: Resources{CPU: 100, MemoryMB: 64}}}
	if tm := Render(s, MinTestUID).TaskGroups[0].Tasks[0].Templates; len(tm) != 0 {
		t.Errorf("site without secrets got templates: %v", tm)
	}
}

const MinTestUID = 2_000_000
