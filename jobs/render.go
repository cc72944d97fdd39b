package jobs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
)

const (
	// PortLabel is the Nomad port gunicorn binds to.
	PortLabel = "http"
	// SitePython is how every command reaches the site's interpreter: the
	// launcher puts the site's virtualenv first on PATH, so "python" is the
	// spec's interpreter with the site's requirements and the system's
	// packages (gunicorn among them) on its path.
	SitePython = "python"
)

// Render builds the Nomad job for a validated site whose processes run as
// uid (see package accounts). Group "web" runs gunicorn, through the
// hostctl launcher, on a dynamic port and carries the Consul service with
// the domains, so the router needs nothing but Consul to route; every
// other process is a group of its own.
func Render(s Site, uid int) *api.Job {
	job := api.NewServiceJob(s.Name, s.Name, "", 50)
	// The domains ride on the job too, so one job listing shows every
	// site's claims, running or not (see deploy.CheckDomains).
	job.Meta = map[string]string{contract.MetaSite: s.Name, contract.MetaUID: strconv.Itoa(uid),
		contract.MetaDomains: strings.Join(append(append([]string(nil), s.Domains...), s.Redirects...), ",")}
	if s.SleepAfter > 0 {
		job.Meta[contract.MetaSleepAfter] = sleepAfterMeta(s)
	}
	constrain(job, s)

	web := api.NewTaskGroup(webProcess, s.Web.Instances)
	web.Networks = []*api.NetworkResource{{DynamicPorts: []api.Port{{Label: PortLabel, HostNetwork: contract.SitesNetwork}}}}
	if len(s.Static) > 0 {
		// The static server's port: a copy of the web port's (the same host
		// network, so the router reaches it at the instance's address).
		p := web.Networks[0].DynamicPorts[0]
		p.Label = contract.StaticPortLabel
		web.Networks[0].DynamicPorts = append(web.Networks[0].DynamicPorts, p)
	}
	web.Update = &api.UpdateStrategy{
		MaxParallel:     ptr(1),
		HealthCheck:     ptr("checks"),
		MinHealthyTime:  ptr(2 * time.Second),
		HealthyDeadline: ptr(60 * time.Second),
		// 0: the first instance that turns unhealthy (a failing release,
		// a crashing import, a refused download) fails the deployment at
		// once. With a deadline Nomad would reschedule it and keep trying
		// until the deadline passed: a broken deploy took 2 minutes to be
		// called broken.
		ProgressDeadline: ptr(time.Duration(0)),
		// A new version starts as one canary next to the running
		// instances, which are replaced only once it is healthy: a broken
		// deploy never takes the site down, it just fails. Then the job
		// itself goes back to the last version that was healthy.
		Canary:      ptr(min(1, s.Web.Instances)),
		AutoPromote: ptr(s.Web.Instances > 0),
		AutoRevert:  ptr(true),
	}
	// A crashing gunicorn (a bad import, say) is retried quickly and then
	// fails the instance, which fails the deployment and triggers the
	// auto-revert, instead of Nomad's default 15 s between tries.
	web.RestartPolicy = &api.RestartPolicy{Attempts: ptr(2), Interval: ptr(5 * time.Minute), Delay: ptr(3 * time.Second), Mode: ptr("fail")}
	web.Services = []*api.Service{webService(s)}
	web.Spreads = spreadOverNodes()
	// An instance being stopped (a restart, a rollout, a scale-down) leaves
	// Consul first and the router stops sending it requests before its
	// gunicorn is told to finish.
	web.ShutdownDelay = ptr(2 * time.Second)
	if len(s.Release) > 0 {
		web.AddTask(releaseTask(s, uid))
	}
	gunicorn := siteTask(s, "gunicorn", uid, append([]string{SitePython, "-m", "gunicorn"}, GunicornArgs(s)...), s.Web.Resources)
	if len(s.Static) > 0 {
		// The launcher supervising gunicorn serves these (sandbox/static.go).
		gunicorn.Env[contract.EnvStatic] = staticPairs(s)
	}
	web.AddTask(gunicorn)
	job.AddTaskGroup(web)

	for _, p := range s.Processes {
		tg := api.NewTaskGroup(p.Name, p.Instances)
		tg.Update = &api.UpdateStrategy{MaxParallel: ptr(1), HealthCheck: ptr("task_states"), MinHealthyTime: ptr(5 * time.Second),
			ProgressDeadline: ptr(time.Duration(0)), Canary: ptr(min(1, p.Instances)), AutoPromote: ptr(p.Instances > 0), AutoRevert: ptr(true)}
		tg.Spreads = spreadOverNodes()
		tg.AddTask(siteTask(s, p.Name, uid, p.Command, p.Resources))
		job.AddTaskGroup(tg)
	}
	return job
}

func webService(s Site) *api.Service {
	tags := append([]string{contract.ServiceTag}, s.Domains...)
	meta := map[string]string{
		contract.MetaSite:    s.Name,
		contract.MetaDomains: strings.Join(s.Domains, ","),
	}
	if len(s.Redirects) > 0 {
		meta[contract.MetaRedirects] = strings.Join(s.Redirects, ",")
	}
	if s.HTTPSOnly {
		meta[contract.MetaHTTPS] = contract.HTTPSRedirect
	}
	if s.SleepAfter > 0 {
		// On the service too: a sleep marker copies the service's meta, so
		// the router and the Consul UI see it on a sleeping site.
		meta[contract.MetaSleepAfter] = sleepAfterMeta(s)
	}
	if len(s.Static) > 0 {
		var urls []string
		for _, st := range s.Static {
			urls = append(urls, st.URL)
		}
		meta[contract.MetaStaticURLs] = strings.Join(urls, ",")
		// Nomad interpolates a group service's meta with the allocation's
		// ports when it registers the instance (client/allocrunner's
		// group_service_hook; taskenv adds group ports as NOMAD_HOST_PORT_*),
		// so each instance advertises its own static port beside its web
		// port, in one registration the router already reads. A second
		// service would double the catalog the router follows, and a
		// tagged address would carry an address the router must not
		// trust anyway (it dials the instance's own).
		meta[contract.MetaStaticPort] = "${NOMAD_HOST_PORT_" + contract.StaticPortLabel + "}"
	}
	if s.Media != nil {
		// Media stays on the router's disk: the store is the node's, and
		// uploads appear there without a new release.
		meta[contract.MetaStatic] = contract.MediaURL + "=" + s.Media.Dir
	}
	return &api.Service{
		Name:      s.Name,
		PortLabel: PortLabel,
		Provider:  "consul",
		Tags:      tags,
		Meta:      meta,
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

// siteTask runs argv as the site through the launcher, with the site's
// environment, secrets and resources.
func siteTask(s Site, name string, uid int, argv []string, r Resources) *api.Task {
	t := api.NewTask(name, "raw_exec")
	t.Config = launched(s, uid, argv)
	if a := sourceArtifact(s); a != nil {
		t.Artifacts = []*api.TaskArtifact{a}
	}
	t.Env = siteEnv(s)
	t.Resources = &api.Resources{CPU: ptr(r.CPU), MemoryMB: ptr(r.MemoryMB)}
	if r.MemoryMaxMB > r.MemoryMB {
		t.Resources.MemoryMaxMB = ptr(r.MemoryMaxMB)
	}
	// Longer than gunicorn's graceful timeout so in-flight requests finish.
	t.KillTimeout = ptr(10 * time.Second)
	// SIGTERM is gunicorn's graceful stop; Nomad's default, SIGINT, is its
	// quick one, which drops requests in flight.
	t.KillSignal = "SIGTERM"
	// The launcher writes the logs (sandbox.Supervise): Nomad's logmon,
	// one per task, cost an idle site as much as its own gunicorn.
	t.LogConfig = &api.LogConfig{Disabled: ptr(true), MaxFiles: ptr(logFiles), MaxFileSizeMB: ptr(logFileMB)}
	if tmpl := secretsTemplate(s); tmpl != nil {
		t.Templates = []*api.Template{tmpl}
	}
	return t
}

// staticPairs are the site's static dirs as the launcher reads them:
// "url=dir" pairs, comma separated, each dir relative to the app.
func staticPairs(s Site) string {
	pairs := make([]string, len(s.Static))
	for i, st := range s.Static {
		pairs[i] = st.URL + "=" + st.Dir
	}
	return strings.Join(pairs, ",")
}

// secretsTemplate renders the declared secrets, and only those, and the
// database's credentials from Nomad Variables into the task's environment.
// The values never appear in the job: Nomad fetches them for the task when
// it starts. A changed value restarts nothing by itself (change_mode noop):
// `hostctl db rotate` and `secret set` roll instances one at a time, where
// a restart mode would restart every instance at once.
func secretsTemplate(s Site) *api.Template {
	if len(s.Secrets) == 0 && s.Database == nil {
		return nil
	}
	var b strings.Builder
	b.WriteString(`{{ with nomadVar "` + contract.SecretsPath(s.Name) + `" }}` + "\n")
	for _, name := range s.Secrets {
		// Names are validated identifiers; values are JSON-quoted, which
		// Nomad's env file parser reads back verbatim. Like every variable
		// a site names, they travel under contract.EnvPrefix and get their
		// own names only after the launcher has dropped root.
		b.WriteString(contract.EnvPrefix + name + `={{ index . "` + name + `" | toJSON }}` + "\n")
	}
	if s.Database != nil {
		databaseTemplateLines(&b)
	}
	b.WriteString("{{ end }}\n")
	return &api.Template{
		EmbeddedTmpl: ptr(b.String()),
		DestPath:     ptr("secrets/site.env"),
		Envvars:      ptr(true),
		Perms:        ptr("0400"),
		ChangeMode:   ptr("noop"),
	}
}

// siteEnv is the environment every process of a site sees. The site's own
// variables carry contract.EnvPrefix: Nomad starts the launcher as root with
// this environment, and a name the site chose (LD_PRELOAD, say) must mean
// nothing to the loader or runtime of a root process. The launcher restores
// the names in the site's command, after dropping to its uid.
func siteEnv(s Site) map[string]string {
	env := map[string]string{
		// Python writes nothing next to the (shared, read-only) code.
		"PYTHONDONTWRITEBYTECODE": "1",
		"PYTHONUNBUFFERED":        "1",
		"HOSTCTL_SITE":            s.Name,
	}
	if s.Media != nil {
		env[contract.EnvMediaRoot], env[contract.EnvMediaURL] = s.Media.Dir, contract.MediaURL
	}
	if s.Database != nil && s.Database.Login != "" {
		env[contract.EnvDBLogin] = s.Database.Login
	}
	for k, v := range s.Env {
		env[contract.EnvPrefix+k] = v
	}
	return env
}

// releaseRunner runs argv lists one after another in a directory and stops
// at the first failure. Python rather than a shell, so that arguments are
// passed as data and never re-parsed; the site's python is there anyway.
const releaseRunner = `import json, subprocess, sys
cwd, cmds = sys.argv[1], json.loads(sys.argv[2])
for argv in cmds:
    print("release:", argv, flush=True)
    rc = subprocess.run(argv, cwd=cwd).returncode
    if rc:
        print("release: command failed with exit code", rc, file=sys.stderr, flush=True)
        sys.exit(rc)
`

// releaseTask runs the release commands as a prestart task: gunicorn does
// not start in an instance until they succeed, and if they fail the
// instance never turns healthy, so the deployment fails and auto-reverts.
//
// A new instance of a version whose release already ran on the node (a
// wake, a scale-up) skips it: the launcher restores what it left instead
// (see sandbox/release.go), keyed by VersionKey.
func releaseTask(s Site, uid int) *api.Task {
	cmds, _ := json.Marshal(s.Release) // [][]string always marshals
	t := siteTask(s, "release", uid, []string{SitePython, "-c", releaseRunner, RunningAppDir, string(cmds)}, s.Web.Resources)
	args := t.Config["args"].([]string)
	t.Config["args"] = append([]string{args[0], "--release"}, args[1:]...)
	t.Lifecycle = &api.TaskLifecycle{Hook: api.TaskLifecycleHookPrestart, Sidecar: false}
	return t
}

// VersionKey names a version of a site as far as preparing it on a node
// goes (its virtualenv, its release step's output): the whole validated
// site, less what only changes how many instances run or when they sleep,
// and its uid. The launcher adds the restart stamp, and for the release
// the code's content.
func VersionKey(s Site, uid int) string {
	s.Web.Instances, s.SleepAfter = 0, 0
	s.Processes = append([]Process(nil), s.Processes...)
	for i := range s.Processes {
		s.Processes[i].Instances = 0
	}
	b, _ := json.Marshal(struct {
		Site
		UID int
	}{s, uid}) // plain data: always marshals
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Each task keeps its newest logFiles files of logFileMB MiB per stream.
const (
	logFiles  = 3
	logFileMB = 5
)

// launched is the raw_exec config that runs argv as the site: Nomad starts
// the launcher as root, and the launcher closes the task's directories,
// copies the code privately, drops to uid, prepares the site's virtualenv
// and execs argv.
func launched(s Site, uid int, argv []string) map[string]any {
	args := append([]string{"launch", "--uid", strconv.Itoa(uid), "--version-key", VersionKey(s, uid)}, codeArgs(s)...)
	args = append(args, "--python", s.Python, "--requirements", s.Requirements,
		"--log-files", strconv.Itoa(logFiles), "--log-file-mb", strconv.Itoa(logFileMB))
	if s.RequirementsRequired {
		args = append(args, "--requirements-required")
	}
	if s.Media != nil {
		// Landlock lets a site write only its own dirs; its media store is
		// one of them.
		args = append(args, "--write", s.Media.Dir)
	}
	return map[string]any{
		"command": "${meta." + contract.LauncherMeta + "}",
		"args":    append(append(args, "--"), argv...),
	}
}

// fetchedDir is where Nomad puts fetched code, inside the task's local dir
// (closed to other sites by the launcher before anything reads it).
const fetchedDir = "local/source"

// codeArgs tell the launcher where the code is: the site's directory in
// the operator's source tree (its root and the path below it, so the
// launcher can open the tree first and refuse anything that leaves it), or
// what Nomad fetched into the task.
func codeArgs(s Site) []string {
	if s.Source == nil {
		rel, err := filepath.Rel(s.CodeRoot, s.AppDir)
		if err != nil || s.CodeRoot == "" {
			// Parsing never produces such a site; a launcher given an
			// absolute path refuses it rather than copying it.
			rel = s.AppDir
		}
		return []string{"--code-root", s.CodeRoot, "--code", rel}
	}
	dir := fetchedDir
	if s.Source.Dir != "" && s.Source.Dir != "." {
		dir += "/" + s.Source.Dir
	}
	return []string{"--fetched", dir}
}

// sourceArtifact asks Nomad to fetch a git or archive source (with
// go-getter, which checks out the ref or verifies the checksum) into the
// task before the launcher starts.
func sourceArtifact(s Site) *api.TaskArtifact {
	src := s.Source
	if src == nil {
		return nil
	}
	a := &api.TaskArtifact{RelativeDest: ptr(fetchedDir), GetterMode: ptr("dir")}
	if src.Git != "" {
		a.GetterSource = ptr("git::" + src.Git)
		a.GetterOptions = map[string]string{"ref": src.Ref}
		return a
	}
	a.GetterSource = ptr(src.Archive)
	if src.Checksum != "" {
		a.GetterOptions = map[string]string{"checksum": src.Checksum}
	}
	return a
}

// RunningAppDir is where a site's processes find their code: the
// launcher's private copy of AppDir inside the allocation.
const RunningAppDir = "${NOMAD_ALLOC_DIR}/app"

// GunicornArgs is the gunicorn command line for a site; exported so the
// CLI can show exactly what runs.
func GunicornArgs(s Site) []string {
	w := s.Web
	args := []string{
		"--bind", "${NOMAD_ADDR_" + PortLabel + "}",
		"--workers", strconv.Itoa(w.Workers),
		"--threads", strconv.Itoa(w.Threads),
		"--timeout", strconv.Itoa(int(w.Timeout / time.Second)),
		"--chdir", RunningAppDir,
		// The task's own directory: /dev/shm and /tmp are shared between
		// sites (and closed to them by the launcher), the task dir is not.
		"--worker-tmp-dir", "${NOMAD_TASK_DIR}",
		"--graceful-timeout", "8",
		"--access-logfile", "-",
		"--error-logfile", "-",
		"--name", s.Name,
		// The app is imported before the port is bound, so an instance
		// that accepts a connection can answer it: a router holding the
		// requests of a waking site forwards them on the first accept
		// (docs/design.md, "Sleeping sites"), and an app that fails to
		// import never accepts at all. Workers then fork with the app
		// loaded, sharing its memory until they write to it.
		"--preload",
	}
	if w.MaxRequests > 0 {
		// Jitter keeps all workers from restarting in the same second.
		args = append(args, "--max-requests", strconv.Itoa(w.MaxRequests),
			"--max-requests-jitter", strconv.Itoa(max(w.MaxRequests/10, 1)))
	}
	return append(args, s.WSGI)
}

func ptr[T any](v T) *T { return &v }

// spreadOverNodes puts a group's instances on different nodes where it
// can: the cluster packs sites densely (binpack), which would otherwise
// put both instances of a two-instance site on one node, and that node's
// loss would take the site down. Spread only scores; on one node, or with
// a constraint, instances still share a node.
func spreadOverNodes() []*api.Spread {
	return []*api.Spread{{Attribute: "${node.unique.id}", Weight: ptr(int8(100))}}
}

// constrain places every job of a site, its crons included, where a site
// can run: a node with the launcher, the spec's own constraints, and the
// node holding its media store.
func constrain(job *api.Job, s Site) {
	job.Constrain(api.NewConstraint("${meta."+contract.LauncherMeta+"}", "is_set", ""))
	for _, c := range s.Constraints {
		job.Constrain(api.NewConstraint(c.Attribute, c.Operator, c.Value))
	}
	if s.Media != nil {
		// The site's files are on one node's store: run where they are
		// (docs/design.md, "Media on many nodes").
		job.Constrain(api.NewConstraint("${meta."+contract.MediaRootMeta+"}", "=", s.Media.Root))
	}
}
