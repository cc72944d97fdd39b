package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	consul "github.com/hashicorp/consul/api"
	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/accounts"
	"github.com/hostctl/hostctl/deploy"
	"github.com/hostctl/hostctl/jobs"
)

// TestAttacks is the threat model in one place: a hostile tenant, mallory,
// attacks the platform and another tenant, victim, the ways an attack
// review found — through its spec, from inside its gunicorn, from a crash
// it causes on purpose. Each subtest performs one attack against the real
// cluster and checks that it fails; where the failure alone would prove
// nothing, the same probe is shown to succeed without the guard (as the
// operator, or outside the sandbox). The unit-level versions of several
// attacks are in sandbox/attacks_test.go, router/... and
// provisioner/postgres; the hostile spec corpus is jobs/testdata/hostile.
//
// One cluster serves every subtest, so their order matters where noted.
func TestAttacks(t *testing.T) {
	c := newCluster(t)
	nc := c.nomad()
	cc := c.consul()

	c.stage("victim", "../examples/hello")
	c.stage("mallory", "testdata/prober")
	c.stage("crasher", "testdata/prober")
	spec := c.writeSpec("tenants.hcl", `
site "victim" {
  domains = ["victim.localhost", "*.wild.localhost"]
  wsgi    = "app:application"
  secrets = ["API_KEY"]
  health { path = "/healthz" }
  database {}
}
site "mallory" {
  domains = ["mallory.localhost"]
  wsgi    = "app:application"
  health { path = "/?op=id" }
  database {}
  media { quota = "8MiB" }
}
site "crasher" {
  domains = ["crasher.localhost"]
  wsgi    = "app:application"
  health { path = "/?op=id" }
}
`)
	c.secretSet("victim", "API_KEY", "first")
	c.mustRun("site", "apply", spec)

	// mallory asks its own gunicorn to do something and returns the answer.
	mallory := func(q url.Values) string {
		t.Helper()
		code, body := c.get("mallory.localhost", "/?"+q.Encode())
		if code != 200 {
			t.Fatalf("mallory %v: HTTP %d %q", q, code, body)
		}
		return body
	}
	malloryEnv := func(name string) string { return mallory(url.Values{"op": {"getenv"}, "path": {name}}) }

	t.Run("1 loader variables", func(t *testing.T) {
		t.Run("refused in a spec", func(t *testing.T) {
			for _, body := range []string{`env { LD_PRELOAD = "/tmp/x.so" }`, `secrets = ["LD_PRELOAD"]`, `env { GCONV_PATH = "/tmp" }`, `env { GODEBUG = "x=1" }`} {
				out, err := c.run("site", "apply", c.writeSpec("preload.hcl", fmt.Sprintf("site \"mallory\" {\n  domains = [\"mallory.localhost\"]\n  wsgi = \"app:application\"\n  %s\n}\n", body)))
				if err == nil || !strings.Contains(out, "preload.hcl:4:") {
					t.Errorf("%s: err=%v, want a diagnostic at preload.hcl:4\n%s", body, err, out)
				}
			}
		})
		t.Run("never loaded into a root process", func(t *testing.T) {
			evil, marker := buildPreload(t, c.stateDir)
			// Control: the payload works against a dynamically linked
			// program started as root — which is what the launcher was.
			out, err := exec.Command("/usr/bin/env", "LD_PRELOAD="+evil, "/bin/true").CombinedOutput()
			if b, _ := os.ReadFile(marker); err != nil || !strings.Contains(string(b), "uid=0") {
				t.Fatalf("control: the payload did not run as root (%v %s %q); the test proves nothing", err, out, b)
			}
			os.Remove(marker)

			// The spec refuses the variable; a job carrying it anyway (an
			// older hostctl's, say) must still never load it as root. It
			// is rendered the way apply does, with the parser bypassed.
			c.stage("preload", "testdata/prober")
			site := c.parseOne(c.writeSpec("preload-ok.hcl", "site \"preload\" {\n  domains = [\"preload.localhost\"]\n  wsgi = \"app:application\"\n  health { path = \"/?op=id\" }\n}\n"))
			site.Env["LD_PRELOAD"] = evil
			c.applySite(nc, site)
			defer c.mustRun("site", "destroy", "preload")
			if b, _ := os.ReadFile(marker); strings.Contains(string(b), "uid=0") {
				t.Errorf("the site's LD_PRELOAD ran as root:\n%s", b)
			}
			// It did reach the site's own processes, after the drop: the
			// payload was live, and harmless there.
			logs := c.mustRun("site", "logs", "--stderr", "preload")
			if !strings.Contains(logs, "preload.so loaded as uid 2") {
				t.Errorf("the payload never ran as the site either, so this proves little; stderr:\n%s", logs)
			}
		})
	})

	t.Run("2 and 3 planted symlinks are never followed as root", func(t *testing.T) {
		// What root must never touch: a file and a directory of the node's.
		target := filepath.Join(c.stateDir, "root-only.conf")
		os.WriteFile(target, []byte("root's\n"), 0o600)
		system := filepath.Join(c.stateDir, "system-dir")
		os.Mkdir(system, 0o755)
		os.Chmod(system, 0o755)

		crasher := func(q url.Values) string {
			t.Helper()
			_, body := c.get("crasher.localhost", "/?"+q.Encode())
			return body
		}
		get := func(name string) string { return crasher(url.Values{"op": {"getenv"}, "path": {name}}) }
		allocDir, taskDir := get("NOMAD_ALLOC_DIR"), filepath.Dir(get("NOMAD_TASK_DIR"))
		allocID := get("NOMAD_ALLOC_ID")
		for _, q := range []url.Values{
			// The newest log file is where the log writer continues after a
			// restart; it used to open it as root, O_CREATE|O_APPEND, then
			// chown it to the site.
			{"op": {"symlink"}, "path": {filepath.Join(allocDir, "logs", "gunicorn.stdout.7")}, "data": {target}},
			// A task dir the launcher closes (chmod 0700, chown) at start.
			{"op": {"rename"}, "path": {filepath.Join(taskDir, "tmp")}, "data": {filepath.Join(taskDir, "tmp.old")}},
			{"op": {"symlink"}, "path": {filepath.Join(taskDir, "tmp")}, "data": {system}},
		} {
			if got := crasher(q); got != "ok" {
				t.Fatalf("planting %v: %s", q, got)
			}
		}
		crasher(url.Values{"op": {"stop-master"}})
		// Nomad restarts the task in the same allocation: the launcher
		// starts as root among the planted links, refuses them and exits,
		// and Nomad restarts it again — the second restart is the proof
		// that a launcher ran there.
		waitFor(t, 60*time.Second, "the relaunched task to fail among the planted links", func() bool {
			a, _, err := nc.Allocations().Info(allocID, nil)
			return err == nil && a.TaskStates["gunicorn"] != nil && a.TaskStates["gunicorn"].Restarts >= 2
		})
		if b, _ := os.ReadFile(target); string(b) != "root's\n" {
			t.Errorf("root's file now holds %q", b)
		}
		assertOwnerMode(t, target, 0, 0o600)
		assertOwnerMode(t, system, 0, 0o755)
		c.mustRun("site", "destroy", "crasher")
	})

	t.Run("4 code from outside the site's own source dir", func(t *testing.T) {
		for _, line := range []string{`app = "/etc"`, `app = "/"`, `app = "../victim"`, `source { path = "/proc/1" }`} {
			out, err := c.run("site", "validate", c.writeSpec("code.hcl", fmt.Sprintf("site \"mallory\" {\n  domains = [\"mallory.localhost\"]\n  wsgi = \"app:application\"\n  %s\n}\n", line)))
			if err == nil || !strings.Contains(out, "code.hcl:4:") {
				t.Errorf("%s: err=%v, want a diagnostic at code.hcl:4\n%s", line, err, out)
			}
		}
	})

	t.Run("5 static dirs outside the site's own", func(t *testing.T) {
		for _, block := range []string{`static {
    url = "/s/"
    dir = "/etc"
  }`, `static {
    url = "/s/"
    dir = "../../etc"
  }`, `static {
    url = "/s/,/x/=/etc"
    dir = "static"
  }`} {
			out, err := c.run("site", "validate", c.writeSpec("static.hcl", fmt.Sprintf("site \"mallory\" {\n  domains = [\"mallory.localhost\"]\n  wsgi = \"app:application\"\n  %s\n}\n", block)))
			if err == nil || !strings.Contains(out, "static.hcl:") {
				t.Errorf("%s: err=%v, want a diagnostic\n%s", block, err, out)
			}
		}
		// A service whose meta asks the router to serve /etc and another
		// site's code. From inside its gunicorn mallory cannot register it
		// (Consul's ACLs, integration/controlplane_test.go), so it is
		// registered with the operator's token, as a leaked token or a
		// hand-written job would: the router itself must refuse the dirs.
		port := malloryEnv("NOMAD_PORT_http")
		reg := fmt.Sprintf(`{"ID":"mallory-static","Name":"mallory","Port":%s,"Tags":["hostctl"],"Meta":{"hostctl_site":"mallory","hostctl_domains":"etc.localhost","hostctl_static":"/x/=/etc,/y/=%s"}}`,
			port, filepath.Join(c.sourceRoot(), "victim"))
		register := "http://" + c.envValue("CONSUL_HTTP_ADDR") + "/v1/agent/service/register"
		if got := mallory(url.Values{"op": {"put"}, "path": {register}, "data": {reg}}); !strings.HasPrefix(got, "403") {
			t.Errorf("mallory registering a service from inside its gunicorn: %.120s, want 403", got)
		}
		var svc consul.AgentServiceRegistration
		if err := json.Unmarshal([]byte(reg), &svc); err != nil {
			t.Fatal(err)
		}
		if err := cc.Agent().ServiceRegister(&svc); err != nil {
			t.Fatal(err)
		}
		defer cc.Agent().ServiceDeregister("mallory-static")
		waitFor(t, 10*time.Second, "the router to route etc.localhost", func() bool {
			code, _ := c.get("etc.localhost", "/")
			return code != 404
		})
		for _, p := range []string{"/x/passwd", "/x/shadow", "/y/app.py"} {
			code, body := c.get("etc.localhost", p)
			// The path may fall through to mallory's own app, which
			// answers anything; what must not come back is the file.
			if strings.Contains(body, "root:") || strings.Contains(body, "def application") {
				t.Errorf("GET etc.localhost%s: %d %.80q — the router served a file that is not mallory's", p, code, body)
			}
		}
	})

	t.Run("6 domains another site claims", func(t *testing.T) {
		c.stage("thief", "../examples/hello")
		// Another site's claims are a conflict (exit 5); names no site may
		// claim are invalid input (exit 3).
		for _, tc := range []struct {
			domains string
			code    int
		}{
			{`domains = ["thief.localhost"]
  redirects = ["victim.localhost"]`, 5},
			{`domains = ["victim.wild.localhost"]`, 5},
			{`domains = ["*.localhost"]`, 3},
			{`domains = ["127.0.0.1"]`, 3},
			{`domains = ["consul"]`, 3},
		} {
			out, err := c.run("site", "apply", c.writeSpec("thief.hcl", fmt.Sprintf("site \"thief\" {\n  %s\n  wsgi = \"app:application\"\n}\n", tc.domains)))
			if code := exitCode(err); code != tc.code {
				t.Errorf("%s: exit %d, want %d\n%s", tc.domains, code, tc.code, out)
			}
		}
		if _, _, err := nc.Jobs().Info("thief", nil); err == nil {
			t.Error("a refused site was registered")
		}
		// The router's side: a newcomer whose name sorts first registers
		// the victim's host, pointing at mallory's own gunicorn.
		port, _ := strconv.Atoi(malloryEnv("NOMAD_PORT_http"))
		for _, host := range []string{"victim.localhost", "x.wild.localhost"} {
			err := cc.Agent().ServiceRegister(&consul.AgentServiceRegistration{ID: "aaa-" + host, Name: "aaa", Port: port, Address: "127.0.0.1",
				Tags: []string{"hostctl"}, Meta: map[string]string{"hostctl_site": "aaa", "hostctl_domains": host}})
			if err != nil {
				t.Fatal(err)
			}
			defer cc.Agent().ServiceDeregister("aaa-" + host)
		}
		time.Sleep(time.Second) // well past the router's 20 ms batching
		for _, host := range []string{"victim.localhost", "x.wild.localhost"} {
			if code, body := c.get(host, "/"); code != 200 || !strings.Contains(body, "site=victim") {
				t.Errorf("GET %s: %d %.80q, want the victim's page", host, code, body)
			}
		}
	})

	t.Run("7 binding another site's port", func(t *testing.T) {
		port := servicePort(t, cc, "victim")
		// A restart moves the victim to a new instance and frees the old
		// port: the moment a squatter would wait for.
		c.mustRun("site", "restart", "victim")
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			t.Fatalf("control: the victim's old port %d is not free (%v), so the probe proves nothing", port, err)
		}
		l.Close()
		for _, mode := range []string{"", "mptcp"} {
			got := mallory(url.Values{"op": {"bind"}, "path": {strconv.Itoa(port)}, "data": {mode}})
			if !strings.HasPrefix(got, "denied:") {
				t.Errorf("mallory binding the victim's port %d %s: %s", port, mode, got)
			}
		}
		if got := mallory(url.Values{"op": {"bind"}, "path": {malloryEnv("NOMAD_PORT_http")}}); !strings.Contains(got, "Address already in use") {
			t.Errorf("mallory binding its own (busy) port: %s, want EADDRINUSE rather than a denial", got)
		}
	})

	t.Run("8 forwarded headers with underscores", func(t *testing.T) {
		req := c.request("mallory.localhost", "/?op=headers")
		req.Header["X_Forwarded_Proto"] = []string{"https"}
		req.Header["X_Forwarded_For"] = []string{"6.6.6.6"}
		req.Header["X-Forwarded_Host"] = []string{"evil.example"}
		code, body := c.do(req)
		if code != 200 || strings.Contains(body, "https") || strings.Contains(body, "6.6.6.6") || strings.Contains(body, "evil.example") {
			t.Errorf("the site saw spoofed forwarding headers: %d %s", code, body)
		}
		if !strings.Contains(body, "HTTP_X_FORWARDED_FOR") {
			t.Errorf("the router's own X-Forwarded-For is missing, so the probe cannot see headers: %s", body)
		}
	})

	t.Run("9 a crafted dump restored into the site's database", func(t *testing.T) {
		testRestoreCannotEscalate(t, c, "mallory", "victim")
	})

	t.Run("13 the router's admin port", func(t *testing.T) {
		admin := "http://" + strings.TrimPrefix(c.routerAdmin(), "http://")
		token, err := os.ReadFile(filepath.Join(c.stateDir, "etc", "router-admin.token"))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []struct {
			path string
			want string
		}{{"/debug/pprof/", "404"}, {"/debug/pprof/profile?seconds=1", "404"}, {"/metrics", "401"}} {
			if got := mallory(url.Values{"op": {"get"}, "path": {admin + p.path}}); !strings.HasPrefix(got, p.want) {
				t.Errorf("mallory GET %s: %.80s, want %s", p.path, got, p.want)
			}
		}
		// The operator, with the token, does see the metrics: the probe
		// would have found them.
		withToken := mallory(url.Values{"op": {"get"}, "path": {admin + "/metrics"}, "headers": {"Authorization: Bearer " + strings.TrimSpace(string(token))}})
		if !strings.HasPrefix(withToken, "200 # HELP") {
			t.Errorf("GET /metrics with the admin token: %.200s", withToken)
		}
	})

	t.Run("14 renames across directories", func(t *testing.T) {
		for _, dir := range []string{malloryEnv("MEDIA_ROOT"), malloryEnv("NOMAD_TASK_DIR")} {
			if got := mallory(url.Values{"op": {"atomic"}, "path": {dir}, "data": {"x"}}); got != "ok" {
				t.Errorf("write-then-rename in %s: %s", dir, got)
			}
		}
	})

	t.Run("16 restarts and secret changes of a one-instance site lose nothing", func(t *testing.T) {
		l := startLoad(t, c.router, "victim.localhost", 4)
		time.Sleep(time.Second)
		c.mustRun("site", "restart", "victim")
		c.secretSet("victim", "API_KEY", "second")
		time.Sleep(time.Second)
		l.check(t, c, "restart and secret set of a one-instance site")
		if n := len(l.allocs); n < 3 {
			t.Errorf("the load saw %d instances (%v); a restart and a secret change should each bring a new one", n, l.allocs)
		}
	})
}

// buildPreload compiles a shared object that, loaded into any process,
// records the uid it runs as in marker (if it may write there) and says so
// on stderr.
func buildPreload(t *testing.T, dir string) (so, marker string) {
	t.Helper()
	marker = filepath.Join(dir, "preload-ran-as")
	src := filepath.Join(dir, "preload.c")
	so = filepath.Join(dir, "preload.so")
	code := fmt.Sprintf(`#include <stdio.h>
#include <unistd.h>
__attribute__((constructor)) static void run(void) {
	FILE *f = fopen(%q, "a");
	if (f) { fprintf(f, "uid=%%d\n", (int)getuid()); fclose(f); }
	fprintf(stderr, "preload.so loaded as uid %%d\n", (int)getuid());
}
`, marker)
	if err := os.WriteFile(src, []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("gcc", "-shared", "-fPIC", "-o", so, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	os.Chmod(so, 0o755)
	return so, marker
}

func (c *cluster) writeSpec(name, body string) string {
	c.t.Helper()
	p := filepath.Join(c.stateDir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		c.t.Fatal(err)
	}
	return p
}

func (c *cluster) secretSet(site, name, value string) {
	c.t.Helper()
	cmd := exec.Command(c.bin, "secret", "set", site, name)
	cmd.Env = c.env
	cmd.Stdin = strings.NewReader(value)
	if out, err := cmd.CombinedOutput(); err != nil {
		c.t.Fatalf("secret set %s %s: %v\n%s", site, name, err, out)
	}
}

func (c *cluster) routerAdmin() string {
	port, _ := strconv.Atoi(strings.TrimPrefix(c.router, "http://127.0.0.1:"))
	return "http://127.0.0.1:" + strconv.Itoa(port+1)
}

func servicePort(t *testing.T, cc *consul.Client, site string) int {
	t.Helper()
	entries, _, err := cc.Health().Service(site, "hostctl", true, nil)
	if err != nil || len(entries) != 1 {
		t.Fatalf("passing instances of %s: %v %v", site, len(entries), err)
	}
	return entries[0].Service.Port
}

func assertOwnerMode(t *testing.T, path string, uid uint32, mode os.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != uid || fi.Mode().Perm() != mode {
		t.Errorf("%s is now uid %d mode %04o, want uid %d mode %04o", path, st.Uid, fi.Mode().Perm(), uid, mode)
	}
}

func waitFor(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for !ok() {
		select {
		case <-ctx.Done():
			t.Fatalf("gave up waiting %s for %s", within, what)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (c *cluster) request(host, path string) *http.Request {
	req, _ := http.NewRequest("GET", c.router+path, nil)
	req.Host = host
	return req
}

func (c *cluster) do(req *http.Request) (int, string) {
	c.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// parseOne reads a one-site spec the way `site apply` does, against this
// cluster's source tree.
func (c *cluster) parseOne(path string) jobs.Site {
	c.t.Helper()
	sites, err := jobs.ParseWith(path, jobs.Options{SourceRoot: c.sourceRoot()})
	if err != nil || len(sites) != 1 {
		c.t.Fatalf("parsing %s: %v", path, err)
	}
	return sites[0]
}

// applySite registers a site as apply does (its uid, its job) and waits
// until it is healthy: for attacks that need a job the parser would have
// refused.
func (c *cluster) applySite(nc *nomad.Client, s jobs.Site) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	uid, err := accounts.UID(ctx, nc, s.Name)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := deploy.Apply(ctx, nc, jobs.Render(s, uid), io.Discard); err != nil {
		c.t.Fatalf("applying %s: %v", s.Name, err)
	}
}
