package integration

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSiteLifecycle is the foundation's end-to-end path: dev cluster up,
// a site applied from its spec, passing in Consul, served through the
// router by Host, destroyed, and the cluster stopped leaving nothing.
func TestSiteLifecycle(t *testing.T) {
	c := newCluster(t)
	nc := c.nomad()
	cc := c.consul()

	t.Run("up is idempotent", func(t *testing.T) {
		before := c.pids()
		out := c.mustRun("dev", "up")
		if strings.Count(out, "already running") != 4 {
			t.Errorf("second up did not find all four components (consul, postgres, nomad, router) running:\n%s", out)
		}
		if after := c.pids(); after != before {
			t.Errorf("pids changed across a second up: %q -> %q", before, after)
		}
		if out, err := c.run("dev", "status"); err != nil || strings.Count(out, "true     true") != 4 {
			t.Errorf("dev status: %v\n%s", err, out)
		}
	})

	t.Run("bad spec registers nothing", func(t *testing.T) {
		bad := filepath.Join(c.stateDir, "bad.hcl")
		os.WriteFile(bad, []byte("site \"ok\" {\n  domains = [\"ok.localhost\"]\n  wsgi = \"app:application\"\n  app = \"/\"\n}\nsite \"broken\" {\n  domains = [\"ok.localhost\"]\n  wsgi = \"app:application\"\n  workers = 3\n}\n"), 0o644)
		out, err := c.run("site", "apply", bad)
		if err == nil {
			t.Fatalf("bad spec applied:\n%s", out)
		}
		for _, want := range []string{bad + ":9:3", `"workers" is not expected`} {
			if !strings.Contains(out, want) {
				t.Errorf("error output lacks %q:\n%s", want, out)
			}
		}
		jobs, _, err := nc.Jobs().List(nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs) != 0 {
			t.Errorf("a failed apply left %d job(s) registered, first %q", len(jobs), jobs[0].ID)
		}
	})

	app := c.stage("hello", "../examples/hello")
	c.stage("thief", "../examples/hello")
	t0 := time.Now()
	out := c.mustRun("site", "apply", filepath.Join(app, "site.hcl"))
	t.Logf("site apply took %s:\n%s", time.Since(t0).Round(time.Millisecond), out)
	if !strings.Contains(out, "hello is live") || !strings.Contains(out, "curl -H 'Host: hello.localhost' "+c.router+"/") {
		t.Errorf("apply did not print the site's URL:\n%s", out)
	}

	t.Run("another site cannot take its domain", func(t *testing.T) {
		thief := filepath.Join(c.stateDir, "thief.hcl")
		os.WriteFile(thief, []byte("site \"thief\" {\n  domains = [\"thief.localhost\", \"hello.localhost\"]\n  wsgi = \"app:application\"\n}\n"), 0o644)
		out, err := c.run("site", "apply", thief)
		if err == nil || !strings.Contains(out, "hello.localhost (wanted by thief) belongs to site hello") {
			t.Errorf("a second site claimed hello's domain: err=%v\n%s", err, out)
		}
		if _, _, err := nc.Jobs().Info("thief", nil); err == nil {
			t.Error("the refused site was registered")
		}
	})

	t.Run("passing in consul", func(t *testing.T) {
		entries, _, err := cc.Health().Service("hello", "hostctl", true, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 {
			t.Fatalf("passing instances of hello = %d, want 1", len(entries))
		}
		svc := entries[0].Service
		if svc.Meta["hostctl_domains"] != "hello.localhost" || svc.Address != "127.0.0.1" {
			t.Errorf("service meta %v address %q", svc.Meta, svc.Address)
		}
	})

	t.Run("served through the router", func(t *testing.T) {
		code, body := c.get("hello.localhost", "/")
		if code != 200 || !strings.Contains(body, "Hello from hostctl!") || !strings.Contains(body, "site=hello") {
			t.Fatalf("GET hello.localhost: %d %q", code, body)
		}
		if code, body := c.get("unknown.localhost", "/"); code != 404 || !strings.Contains(body, "unknown.localhost") {
			t.Errorf("unknown host: %d %q", code, body)
		}
	})

	t.Run("runs as its own site uid", func(t *testing.T) {
		allocs, _, err := nc.Jobs().Allocations("hello", false, nil)
		if err != nil || len(allocs) == 0 {
			t.Fatalf("allocations: %v %d", err, len(allocs))
		}
		pid := gunicornPID(t, allocs[0].ID)
		st, err := os.Stat("/proc/" + pid)
		if err != nil {
			t.Fatal(err)
		}
		if uid := statUID(st); uid < 2_000_000 {
			t.Errorf("gunicorn (pid %s) runs as uid %d, want one from the site range", pid, uid)
		}
	})

	out = c.mustRun("site", "destroy", "hello")
	if !strings.Contains(out, "destroyed") {
		t.Errorf("destroy output: %s", out)
	}
	t.Run("gone after destroy", func(t *testing.T) {
		// Destroy returns once the processes have exited; the router hears
		// of it from Consul within moments.
		deadline := time.Now().Add(5 * time.Second)
		for {
			code, body := c.get("hello.localhost", "/")
			if code == 404 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after destroy: %d %q, want 404", code, body)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if entries, _, _ := cc.Catalog().Service("hello", "", nil); len(entries) != 0 {
			t.Errorf("hello still registered in consul: %d instance(s)", len(entries))
		}
	})
}

func (c *cluster) envValue(key string) string {
	for _, kv := range c.env {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			v = strings.TrimPrefix(v, "http://")
			if key == "NOMAD_ADDR" {
				return "http://" + v
			}
			return v
		}
	}
	c.t.Fatalf("%s not set", key)
	return ""
}

func (c *cluster) get(host, path string) (int, string) {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.router+path, nil)
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("GET %s%s: %v", host, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// pids is the content of every pid file, as a fingerprint of what runs.
func (c *cluster) pids() string {
	var b strings.Builder
	for _, n := range []string{"consul", "postgres", "nomad", "router"} {
		p, _ := os.ReadFile(filepath.Join(c.stateDir, "run", n+".pid"))
		b.Write(p)
	}
	return b.String()
}

// gunicornPID finds the gunicorn master of an allocation through its cgroup.
func gunicornPID(t *testing.T, allocID string) string {
	t.Helper()
	return processInAlloc(t, allocID, "gunicorn")
}

// processInAlloc finds a process of an allocation (by its cgroup) whose
// command line contains want.
func processInAlloc(t *testing.T, allocID, want string) string {
	t.Helper()
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cg, err := os.ReadFile("/proc/" + e.Name() + "/cgroup")
		if err != nil || !strings.Contains(string(cg), allocID) {
			continue
		}
		cmd, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if strings.Contains(strings.ReplaceAll(string(cmd), "\x00", " "), want) {
			return e.Name()
		}
	}
	t.Fatalf("no %q process in allocation %s", want, allocID)
	return ""
}
