package integration

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hostctl/hostctl/deploy"
)

// TestSiteCommands drives the day-to-day commands against one live site.
func TestSiteCommands(t *testing.T) {
	c := newCluster(t)
	c.stage("hello", "../examples/hello")
	spec := func(workers int, wsgi string) string {
		p := filepath.Join(c.stateDir, "hello.hcl")
		os.WriteFile(p, []byte(fmt.Sprintf(`site "hello" {
  domains = ["hello.localhost"]
  app     = "."
  wsgi    = %q
  process "web" {
    instances = 2
    workers   = %d
  }
  health { path = "/healthz" }
}
`, wsgi, workers)), 0o644)
		return p
	}
	c.mustRun("site", "apply", spec(2, "app:application"))
	status := func() deploy.SiteStatus {
		var st deploy.SiteStatus
		if err := json.Unmarshal([]byte(c.mustRun("site", "status", "-o", "json", "hello")), &st); err != nil {
			t.Fatal(err)
		}
		return st
	}

	t.Run("plan", func(t *testing.T) {
		if out, err := c.run("site", "plan", spec(2, "app:application")); err != nil || !strings.Contains(out, "no changes") {
			t.Errorf("unchanged spec: err=%v\n%s", err, out)
		}
		out, err := c.run("site", "plan", spec(3, "app:application"))
		if code := exitCode(err); code != 2 || !strings.Contains(out, "~ ") || !strings.Contains(out, `"2" => "3"`) {
			t.Errorf("changed spec: exit %d, want 2\n%s", code, out)
		}
		if v := status().Version; v != 0 {
			t.Errorf("plan changed the job: version %d", v)
		}
	})

	t.Run("a site that is not deployed", func(t *testing.T) {
		for _, args := range [][]string{{"site", "status", "nosuch"}, {"site", "restart", "nosuch"}, {"site", "destroy", "nosuch"}} {
			if out, err := c.run(args...); exitCode(err) != 4 || !strings.Contains(out, "not deployed") {
				t.Errorf("%v: exit %d, want 4 (not found)\n%s", args, exitCode(err), out)
			}
		}
	})

	t.Run("list and status", func(t *testing.T) {
		var list []deploy.SiteSummary
		if err := json.Unmarshal([]byte(c.mustRun("site", "list", "-o", "json")), &list); err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Name != "hello" || list[0].Running != 2 || list[0].Desired != 2 {
			t.Errorf("list = %+v", list)
		}
		st := status()
		if len(st.Instances) != 2 || len(st.Domains) == 0 || st.Domains[0] != "hello.localhost" {
			t.Fatalf("status = %+v", st)
		}
		for _, in := range st.Instances {
			if in.Health != "passing" || !strings.HasPrefix(in.Address, "127.0.0.1:") {
				t.Errorf("instance %+v: want passing, on a loopback address", in)
			}
			// Usage is reported only when the node measured it, and then
			// a running gunicorn uses more than a MiB.
			if in.MemoryMiB != nil && *in.MemoryMiB <= 1 {
				t.Errorf("instance %s claims %.2f MiB in use", in.ID, *in.MemoryMiB)
			}
		}
		if text := c.mustRun("site", "status", "hello"); !strings.Contains(text, "http://hello.localhost:") {
			t.Errorf("text status lacks the URL:\n%s", text)
		}
	})

	t.Run("logs", func(t *testing.T) {
		c.get("hello.localhost", "/from-the-logs-test")
		deadline := time.Now().Add(10 * time.Second)
		for {
			out := c.mustRun("site", "logs", "hello")
			if strings.Contains(out, "GET /from-the-logs-test") && strings.HasPrefix(out, "[") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("access log line never showed:\n%s", out)
			}
			time.Sleep(300 * time.Millisecond)
		}
	})

	t.Run("run", func(t *testing.T) {
		out, err := c.run("site", "run", "hello", "--", "/usr/bin/python3", "-c",
			"import os,sys; print('uid', os.getuid(), 'site', os.environ['HOSTCTL_SITE']); sys.exit(3)")
		if code := exitCode(err); code != 3 {
			t.Errorf("exit code %d, want the command's 3\n%s", code, out)
		}
		if !strings.Contains(out, "uid 2000") || !strings.Contains(out, "site hello") {
			t.Errorf("one-off output: %q", out)
		}
		var list []deploy.SiteSummary
		json.Unmarshal([]byte(c.mustRun("site", "list", "-o", "json")), &list)
		if len(list) != 1 {
			t.Errorf("the one-off job was listed as a site: %+v", list)
		}
	})

	t.Run("scale and restart", func(t *testing.T) {
		c.mustRun("site", "scale", "hello", "web=1")
		waitInstances(t, status, 1)
		if out, err := c.run("site", "scale", "hello", "nope=1"); err == nil || !strings.Contains(out, `no process "nope"`) {
			t.Errorf("scaling an unknown process: %v %s", err, out)
		}
		_, before := c.get("hello.localhost", "/")
		out := c.mustRun("site", "restart", "hello")
		if !strings.Contains(out, "every instance replaced") {
			t.Errorf("restart output: %s", out)
		}
		// A restart is a new instance beside the old one: the one answering
		// now is another allocation (the load test of one-instance restarts
		// is in attacks_test.go).
		code, after := c.get("hello.localhost", "/")
		if code != 200 || allocOf(before) == allocOf(after) {
			t.Errorf("after restart: %d %q (before: %q)", code, after, before)
		}
	})

	t.Run("failed deploy reverts", func(t *testing.T) {
		// The site is probed all through the broken deploy: the new
		// version is a canary beside the running instances, so its failure
		// must never show.
		stop := make(chan struct{})
		probes := make(chan [2]int, 1)
		go func() {
			n, bad := 0, 0
			for {
				select {
				case <-stop:
					probes <- [2]int{n, bad}
					return
				case <-time.After(200 * time.Millisecond):
				}
				if code, body := c.get("hello.localhost", "/"); code != 200 || !strings.Contains(body, "Hello from hostctl") {
					bad++
				}
				n++
			}
		}()
		t0 := time.Now()
		out, err := c.run("site", "apply", spec(2, "no_such_module:application"))
		took := time.Since(t0)
		close(stop)
		p := <-probes
		if err == nil {
			t.Fatalf("a deploy of a broken app succeeded:\n%s", out)
		}
		for _, want := range []string{"deployment failed", "No module named 'no_such_module'"} {
			if !strings.Contains(out, want) {
				t.Errorf("failure report lacks %q:\n%s", want, out)
			}
		}
		t.Logf("broken deploy reported failed in %s; %d probes during it, %d failed", took.Round(100*time.Millisecond), p[0], p[1])
		if p[1] > 0 || p[0] == 0 {
			t.Errorf("%d of %d requests failed while a broken version was being deployed", p[1], p[0])
		}
		if code, body := c.get("hello.localhost", "/"); code != 200 || !strings.Contains(body, "Hello from hostctl") {
			t.Errorf("site not serving after the failed deploy: %d %q", code, body)
		}
	})

	t.Run("rollback", func(t *testing.T) {
		c.mustRun("site", "apply", spec(3, "app:application"))
		if w := deployedWorkers(t, c); w != "3" {
			t.Fatalf("workers after apply = %s", w)
		}
		out := c.mustRun("site", "rollback", "hello")
		if !strings.Contains(out, "rolling back to version") || !strings.Contains(out, "successful") {
			t.Errorf("rollback output:\n%s", out)
		}
		// The previous stable version ran 2 workers.
		if w := deployedWorkers(t, c); w != "2" {
			t.Errorf("workers after rollback = %s, want 2", w)
		}
		if code, _ := c.get("hello.localhost", "/"); code != 200 {
			t.Errorf("after rollback: %d", code)
		}
	})
}

// deployedWorkers reads gunicorn's --workers from the registered job.
func deployedWorkers(t *testing.T, c *cluster) string {
	t.Helper()
	nc := c.nomad()
	job, _, err := nc.Jobs().Info("hello", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range job.TaskGroups {
		for _, task := range tg.Tasks {
			if task.Name != "gunicorn" {
				continue
			}
			args, _ := task.Config["args"].([]any)
			for i, a := range args {
				if a == "--workers" && i+1 < len(args) {
					return fmt.Sprint(args[i+1])
				}
			}
		}
	}
	t.Fatal("no --workers in the job")
	return ""
}

func waitInstances(t *testing.T, status func() deploy.SiteStatus, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if got := len(status().Instances); got == n {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("instances = %d, want %d", got, n)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if err == nil {
		return 0
	}
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

// allocOf is the alloc= field examples/hello prints.
func allocOf(body string) string {
	_, rest, _ := strings.Cut(body, "alloc=")
	if f := strings.Fields(rest); len(f) > 0 {
		return f[0]
	}
	return ""
}
