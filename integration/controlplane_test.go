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

	consul "github.com/hashicorp/consul/api"
	nomad "github.com/hashicorp/nomad/api"
)

// probeReport is what testdata/prober/probes.py prints.
type probeReport struct {
	Results       map[string]any `json:"results"`
	ForeignAllocs []string       `json:"foreign_allocs"`
	Tokens        []string       `json:"tokens"`
}

// TestControlPlaneClosedToSites has a hostile tenant try the control plane
// from every place its code runs — its gunicorn, its release command, a
// cron, `hostctl site run` — with no token (it holds none) against Nomad's
// and Consul's APIs and the router's admin port: list and register jobs
// (a registered raw_exec job would run as root), scale or stop its
// neighbour, read the neighbour's Variables and files, register a service
// with the neighbour's domain, remove the neighbour's service, read or
// write the router's certificates, read the router's metrics and profiles.
// Every attempt must be refused. The same probes with the operator's
// tokens then succeed, so each is shown able to succeed.
func TestControlPlaneClosedToSites(t *testing.T) {
	c := newCluster(t)
	nc, cc := c.nomad(), c.consul()
	marker := filepath.Join(c.stateDir, "pwned-as")
	os.Chmod(c.stateDir, 0o711)

	c.stage("neighbour", "../examples/hello")
	c.stage("tenant", "testdata/prober")
	targets := fmt.Sprintf(`    NOMAD        = %q
    CONSUL       = %q
    ROUTER_ADMIN = %q
    NEIGHBOUR    = "neighbour"
    MARKER       = %q`, c.envValue("NOMAD_ADDR"), "http://"+c.envValue("CONSUL_HTTP_ADDR"), c.routerAdmin(), marker)
	spec := c.writeSpec("controlplane.hcl", fmt.Sprintf(`
site "neighbour" {
  domains = ["neighbour.localhost"]
  wsgi    = "app:application"
  secrets = ["API_KEY"]
  health { path = "/healthz" }
}
site "tenant" {
  domains = ["tenant.localhost"]
  wsgi    = "app:application"
  release = [["python3", "probes.py", "--out", "release"]]
  env {
%s
  }
  cron "probe" {
    schedule = "@yearly"
    command  = ["python3", "probes.py", "--out", "cron"]
  }
  health { path = "/?op=id" }
}
`, targets))
	c.secretSet("neighbour", "API_KEY", "the neighbour's secret")
	// Something for the certificate probes to find.
	if _, err := cc.KV().Put(&consul.KVPair{Key: "hostctl/router/certs/acme_account+key", Value: []byte("private")}, nil); err != nil {
		t.Fatal(err)
	}
	c.mustRun("site", "apply", spec)
	neighbourAlloc := runningAlloc(t, nc, "neighbour")

	check := func(t *testing.T, where string, rep probeReport) {
		t.Helper()
		if len(rep.Tokens) > 0 {
			t.Errorf("%s: the site holds credentials: %v", where, rep.Tokens)
		}
		for probe, got := range rep.Results {
			code, _ := got.(float64)
			want := []float64{403}
			switch probe {
			case "router metrics":
				want = []float64{401}
			case "router pprof":
				want = []float64{404}
			}
			if !containsCode(want, code) {
				t.Errorf("%s: %s answered %v, want %v", where, probe, got, want)
			}
		}
		if len(rep.Results) != 12 {
			t.Errorf("%s: %d probes ran, want 12: %v", where, len(rep.Results), rep.Results)
		}
	}

	t.Run("from its gunicorn", func(t *testing.T) {
		code, body := c.get("tenant.localhost", "/?"+url.Values{"op": {"probes"}, "path": {neighbourAlloc}}.Encode())
		var rep probeReport
		if err := json.Unmarshal([]byte(body), &rep); code != 200 || err != nil {
			t.Fatalf("probes: %d %v %.300s", code, err, body)
		}
		check(t, "gunicorn", rep)
	})
	t.Run("from its release command", func(t *testing.T) {
		check(t, "release", readProbeFile(t, c, "release"))
	})
	t.Run("from a cron", func(t *testing.T) {
		if _, _, err := nc.Jobs().PeriodicForce("tenant-cron-probe", nil); err != nil {
			t.Fatal(err)
		}
		var rep probeReport
		waitFor(t, 90*time.Second, "the forced cron run's probes", func() bool {
			rep, _ = tryProbeFile(c, "cron")
			return rep.Results != nil
		})
		check(t, "cron", rep)
	})
	t.Run("from site run", func(t *testing.T) {
		out := c.mustRun("site", "run", "tenant", "--", "python3", "probes.py")
		_, js, ok := strings.Cut(out, "PROBES ")
		var rep probeReport
		if err := json.Unmarshal([]byte(strings.TrimSpace(js)), &rep); !ok || err != nil {
			t.Fatalf("site run output: %v\n%s", err, out)
		}
		check(t, "site run", rep)
		if len(rep.ForeignAllocs) == 0 {
			t.Error("the probe found no other allocation to attack, so its file probe proved nothing")
		}
	})

	t.Run("nothing the probes attempted happened", func(t *testing.T) {
		if _, err := os.Stat(marker); err == nil {
			b, _ := os.ReadFile(marker)
			t.Errorf("a job a site registered ran: %s", b)
		}
		if _, _, err := nc.Jobs().Info("pwned", nil); err == nil {
			t.Error("the job a site registered exists")
		}
		job, _, err := nc.Jobs().Info("neighbour", nil)
		if err != nil || (job.Stop != nil && *job.Stop) || *job.TaskGroups[0].Count != 1 {
			t.Errorf("the neighbour's job was changed: %v", err)
		}
		entries, _, _ := cc.Health().Service("neighbour", "hostctl", true, nil)
		if len(entries) != 1 || entries[0].Service.ID == "squat" {
			t.Errorf("the neighbour's instances in Consul: %d", len(entries))
		}
		if kv, _, _ := cc.KV().Get("hostctl/router/certs/planted", nil); kv != nil {
			t.Error("a site wrote into the router's certificates")
		}
		if code, body := c.get("neighbour.localhost", "/"); code != 200 || !strings.Contains(body, "site=neighbour") {
			t.Errorf("the neighbour answers %d %q", code, body)
		}
	})

	t.Run("the operator's tokens succeed at every probe", func(t *testing.T) {
		admin, err := os.ReadFile(filepath.Join(c.stateDir, "etc", "router-admin.token"))
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("/usr/bin/python3", filepath.Join(c.sourceRoot(), "tenant", "probes.py"))
		cmd.Env = append(os.Environ(), "NOMAD="+c.envValue("NOMAD_ADDR"), "CONSUL=http://"+c.envValue("CONSUL_HTTP_ADDR"),
			"ROUTER_ADMIN="+c.routerAdmin(), "NEIGHBOUR=neighbour", "MARKER="+marker, "NEIGHBOUR_ALLOC="+neighbourAlloc,
			"PROBE_NOMAD_TOKEN="+c.tokens.NomadManagement.SecretID, "PROBE_CONSUL_TOKEN="+c.tokens.ConsulManagement.SecretID,
			"PROBE_ADMIN_TOKEN="+strings.TrimSpace(string(admin)))
		out, runErr := cmd.CombinedOutput()
		_, js, _ := strings.Cut(string(out), "PROBES ")
		var rep probeReport
		if err := json.Unmarshal([]byte(strings.TrimSpace(js)), &rep); err != nil {
			t.Fatalf("operator probes: %v (%v)\n%s", err, runErr, out)
		}
		for probe, got := range rep.Results {
			code, _ := got.(float64)
			if probe == "router pprof" {
				continue // off unless the router runs with --pprof, token or not
			}
			if code < 200 || code > 299 {
				t.Errorf("operator: %s answered %v, want 2xx", probe, got)
			}
		}
		waitFor(t, 60*time.Second, "the operator's job to have run", func() bool {
			b, _ := os.ReadFile(marker)
			return strings.Contains(string(b), "uid=0")
		})
		nc.Jobs().Deregister("pwned", true, nil)
	})
}

func containsCode(codes []float64, c float64) bool {
	for _, w := range codes {
		if w == c {
			return true
		}
	}
	return false
}

func runningAlloc(t *testing.T, nc *nomad.Client, job string) string {
	t.Helper()
	allocs, _, err := nc.Jobs().Allocations(job, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range allocs {
		if a.ClientStatus == nomad.AllocClientStatusRunning {
			return a.ID
		}
	}
	t.Fatalf("%s has no running allocation", job)
	return ""
}

// tryProbeFile reads the results a probe run wrote into its allocation's
// data dir (root can read every allocation).
func tryProbeFile(c *cluster, name string) (probeReport, error) {
	var rep probeReport
	files, _ := filepath.Glob(filepath.Join(c.stateDir, "nomad", "alloc", "*", "alloc", "data", "probes-"+name+".json"))
	if len(files) == 0 {
		return rep, os.ErrNotExist
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		return rep, err
	}
	return rep, json.Unmarshal(b, &rep)
}

func readProbeFile(t *testing.T, c *cluster, name string) probeReport {
	t.Helper()
	rep, err := tryProbeFile(c, name)
	if err != nil {
		t.Fatalf("probes of %s: %v", name, err)
	}
	return rep
}
