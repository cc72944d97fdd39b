package integration

import (
	"encoding/json"
	"fmt"
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
	app := c.stage("testdata/prober")
	specDir := filepath.Join(c.stateDir, "spec")
	os.Mkdir(specDir, 0o755)
	os.WriteFile(filepath.Join(specDir, "vars.hcl"), []byte(`variable "flavour" { default = "plain" }`), 0o644)
	os.WriteFile(filepath.Join(specDir, "site.hcl"), []byte(fmt.Sprintf(`
site "feat" {
  domains = ["feat.localhost"]
  app     = %q
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
  health { path = "/?op=id" }
}
`, app)), 0o644)
	nc, _ := nomad.NewClient(&nomad.Config{Address: c.envValue("NOMAD_ADDR")})

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
