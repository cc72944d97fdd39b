package jobs

import (
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/nomad/api"
)

// Labels the router and the CLI rely on to recognise hostctl's own jobs and
// services among everything else registered in Nomad and Consul.
const (
	// ServiceTag marks a Consul service as a hostctl site.
	ServiceTag = "hostctl"
	// MetaSite names the site a job or service belongs to.
	MetaSite = "hostctl_site"
	// MetaDomains lists a site's domains, comma separated, on its service.
	MetaDomains = "hostctl_domains"
	// PortLabel is the Nomad port gunicorn binds to.
	PortLabel = "http"
	// Gunicorn is Debian's gunicorn, bound to Debian's /usr/bin/python3
	// where Django and Flask live.
	Gunicorn = "/usr/bin/gunicorn"
)

// Render builds the Nomad job for a validated site. The job is one task
// group "web" whose raw_exec task runs gunicorn on a dynamic loopback-or-node
// port; its Consul service carries the domains so the router needs nothing
// but Consul to route.
func Render(s Site) *api.Job {
	job := api.NewServiceJob(s.Name, s.Name, "", 50)
	job.Meta = map[string]string{MetaSite: s.Name}

	tg := api.NewTaskGroup("web", s.Web.Instances)
	tg.Networks = []*api.NetworkResource{{DynamicPorts: []api.Port{{Label: PortLabel}}}}
	tg.Update = &api.UpdateStrategy{
		MaxParallel:      ptr(1),
		HealthCheck:      ptr("checks"),
		MinHealthyTime:   ptr(2 * time.Second),
		HealthyDeadline:  ptr(60 * time.Second),
		ProgressDeadline: ptr(2 * time.Minute),
		// A deploy that never turns healthy goes back to the last version
		// that did, instead of leaving the site down.
		AutoRevert: ptr(true),
	}
	tg.Services = []*api.Service{webService(s)}
	tg.AddTask(webTask(s))
	job.AddTaskGroup(tg)
	return job
}

func webService(s Site) *api.Service {
	tags := append([]string{ServiceTag}, s.Domains...)
	return &api.Service{
		Name:      s.Name,
		PortLabel: PortLabel,
		Provider:  "consul",
		Tags:      tags,
		Meta: map[string]string{
			MetaSite:    s.Name,
			MetaDomains: strings.Join(s.Domains, ","),
		},
		Checks: []api.ServiceCheck{{
			Name:     s.Name + " http",
			Type:     "http",
			Path:     s.Health.Path,
			Method:   "GET",
			Interval: s.Health.Interval,
			Timeout:  s.Health.Timeout,
			// Send the site's own host so frameworks that check Host
			// (Django's ALLOWED_HOSTS) answer the check like real traffic.
			Header: map[string][]string{"Host": {s.Domains[0]}},
		}},
	}
}

func webTask(s Site) *api.Task {
	t := api.NewTask("gunicorn", "raw_exec")
	t.User = s.User
	t.Config = map[string]any{
		"command": Gunicorn,
		"args":    GunicornArgs(s),
	}
	t.Env = map[string]string{
		// Python writes nothing next to the (shared, read-only) code.
		"PYTHONDONTWRITEBYTECODE": "1",
		"PYTHONUNBUFFERED":        "1",
		"HOSTCTL_SITE":            s.Name,
	}
	t.Resources = &api.Resources{CPU: ptr(s.Web.CPU), MemoryMB: ptr(s.Web.MemoryMB)}
	// Longer than gunicorn's graceful timeout so in-flight requests finish.
	t.KillTimeout = ptr(10 * time.Second)
	t.LogConfig = &api.LogConfig{MaxFiles: ptr(3), MaxFileSizeMB: ptr(5)}
	return t
}

// GunicornArgs is the gunicorn command line for a site; exported so the
// CLI can show exactly what runs.
func GunicornArgs(s Site) []string {
	return []string{
		"--bind", "${NOMAD_ADDR_" + PortLabel + "}",
		"--workers", strconv.Itoa(s.Web.Workers),
		"--chdir", s.AppDir,
		// The task's own directory: /dev/shm and /tmp are shared between
		// sites, the task dir is not.
		"--worker-tmp-dir", "${NOMAD_TASK_DIR}",
		"--graceful-timeout", "8",
		"--access-logfile", "-",
		"--error-logfile", "-",
		"--name", s.Name,
		s.WSGI,
	}
}

func ptr[T any](v T) *T { return &v }
