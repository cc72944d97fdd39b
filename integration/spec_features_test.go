package integration

import (
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	nomad "github.com/hashicorp/nomad/api"
)

// TestSpecFeaturesLive applies a spec using variables, env, a secret, a
// worker process and a memory burst limit, and checks each reaches the
// running site the way the spec says, and the secret nowhere else.
func TestSpecFeaturesLive(t *testing.T) {
	c := newCluster(t)
	c.stage("feat", "testdata/prober")
	specDir := filepath.Join(c.stateDir, "spec")
	os.Mkdir(specDir, 0o755)
	os.WriteFile(filepath.Join(specDir, "vars.hcl"), []byte(`variable "flavour" { default = "plain" }`), 0o644)
	os.WriteFile(filepath.Join(specDir, "site.hcl"), []byte(`
site "feat" {
  domains = ["feat.localhost"]
  app     = "."
  wsgi    = "app:application"
  secrets = ["API_TOKEN"]
  env {
    FLAVOUR = upper(var.flavour)
  }
  process "web" {
    memory     = "64MiB"
    memory_max = "160MiB"
  }
  process "ticker" {
    command = ["/bin/sh", "-c", "while true; do sleep 5; done"]
    memory  = "16MiB"
    cpu     = 20
  }
  cron "stamp" {
    schedule = "@daily"
    command  = ["/usr/bin/python3", "-c", "import os; print('cron-uid', os.getuid(), 'flavour', os.environ['FLAVOUR'])"]
  }
  health { path = "/?op=id" }
}
`), 0o644)
	nc := c.nomad()

	out, err := c.run("site", "apply", "--var", "flavour=salted", specDir)
	if err == nil || !strings.Contains(out, "API_TOKEN") || !strings.Contains(out, "hostctl secret set feat NAME") {
		t.Fatalf("apply with an unset secret: err=%v\n%s", err, out)
	}
	if jobs, _, _ := nc.Jobs().List(nil); len(jobs) != 0 {
		t.Fatalf("apply refused but registered %d job(s)", len(jobs))
	}

	const token = `s3cr3t "quoted" \ value`
	set := exec.Command(c.bin, "secret", "set", "feat", "API_TOKEN")
	set.Env = c.env
	set.Stdin = strings.NewReader(token + "\n")
	if out, err := set.CombinedOutput(); err != nil {
		t.Fatalf("secret set: %v\n%s", err, out)
	}
	if out := c.mustRun("secret", "list", "feat"); strings.TrimSpace(out) != "API_TOKEN" || strings.Contains(out, token) {
		t.Errorf("secret list printed %q", out)
	}
	c.mustRun("site", "apply", "--var", "flavour=salted", specDir)

	getenv := func(name string) string {
		code, body := c.get("feat.localhost", "/?"+url.Values{"op": {"getenv"}, "path": {name}}.Encode())
		if code != 200 {
			t.Fatalf("getenv %s: %d %s", name, code, body)
		}
		return body
	}
	if got := getenv("API_TOKEN"); got != token {
		t.Errorf("the site sees API_TOKEN = %q, want %q", got, token)
	}
	if got := getenv("FLAVOUR"); got != "SALTED" {
		t.Errorf("FLAVOUR = %q, want the --var value through upper()", got)
	}

	job, _, err := nc.Jobs().Info("feat", nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(job)
	if strings.Contains(string(raw), "s3cr3t") {
		t.Error("the secret's value is in the Nomad job")
	}
	var web *nomad.Task
	for _, tg := range job.TaskGroups {
		if *tg.Name == "web" {
			web = tg.Tasks[len(tg.Tasks)-1]
		}
	}
	if web == nil || web.Resources.MemoryMaxMB == nil || *web.Resources.MemoryMaxMB != 160 {
		t.Errorf("web memory_max not rendered: %+v", web)
	}
	sched, _, err := nc.Operator().SchedulerGetConfiguration(nil)
	if err != nil || !sched.SchedulerConfig.MemoryOversubscriptionEnabled {
		t.Errorf("memory oversubscription is off in the dev cluster (%v)", err)
	}

	t.Run("cron runs as the site", func(t *testing.T) {
		if _, _, err := nc.Jobs().PeriodicForce("feat-cron-stamp", nil); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(60 * time.Second)
		for {
			children, _, err := nc.Jobs().PrefixList("feat-cron-stamp/periodic-")
			if err != nil {
				t.Fatal(err)
			}
			if len(children) > 0 && children[0].Status == "dead" {
				allocs, _, _ := nc.Jobs().Allocations(children[0].ID, true, nil)
				if len(allocs) != 1 || allocs[0].ClientStatus != "complete" {
					t.Fatalf("cron run allocations: %+v", allocs)
				}
				a, _, _ := nc.Allocations().Info(allocs[0].ID, nil)
				out := readAllLog(t, nc, a, "cron")
				if !strings.Contains(out, "cron-uid 2000") || !strings.Contains(out, "flavour SALTED") {
					t.Errorf("cron output %q: want the site's uid and env", out)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the forced cron run never finished")
			}
			time.Sleep(500 * time.Millisecond)
		}
	})

	t.Run("dropping the cron block removes the job", func(t *testing.T) {
		path := filepath.Join(specDir, "site.hcl")
		b, _ := os.ReadFile(path)
		src := string(b)
		i, j := strings.Index(src, "  cron \"stamp\""), strings.Index(src, "  health {")
		os.WriteFile(path, []byte(src[:i]+src[j:]), 0o644)
		out := c.mustRun("site", "apply", "--var", "flavour=salted", specDir)
		if !strings.Contains(out, "cron stamp removed") {
			t.Errorf("apply output: %s", out)
		}
		if _, _, err := nc.Jobs().Info("feat-cron-stamp", nil); err == nil {
			t.Error("the cron job is still registered")
		}
	})

	t.Run("worker process runs as the site", func(t *testing.T) {
		deadline := time.Now().Add(30 * time.Second)
		for {
			allocs, _, err := nc.Jobs().Allocations("feat", false, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range allocs {
				if a.TaskGroup == "ticker" && a.ClientStatus == "running" {
					pid := processInAlloc(t, a.ID, "sleep 5")
					st, _ := os.Stat("/proc/" + pid)
					if uid := statUID(st); uid < 2_000_000 {
						t.Errorf("worker runs as uid %d", uid)
					}
					return
				}
			}
			if time.Now().After(deadline) {
				t.Fatal("the ticker process never ran")
			}
			time.Sleep(500 * time.Millisecond)
		}
	})
}

func readAllLog(t *testing.T, nc *nomad.Client, a *nomad.Allocation, task string) string {
	t.Helper()
	cancel := make(chan struct{})
	defer close(cancel)
	frames, errc := nc.AllocFS().Logs(a, false, task, "stdout", "start", 0, cancel, nil)
	var b strings.Builder
	for {
		select {
		case f, ok := <-frames:
			if !ok {
				return b.String()
			}
			if f != nil {
				b.Write(f.Data)
			}
		case err, ok := <-errc:
			if ok && err != nil {
				t.Fatalf("logs: %v", err)
			}
			if !ok {
				errc = nil
			}
		}
	}
}
