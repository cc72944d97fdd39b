package sleep

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	consul "github.com/hashicorp/consul/api"
	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/internal/testkit"
	"github.com/hostctl/hostctl/jobs"
)

// The package's server tests share one Consul dev agent and one Nomad
// server, started by the first test that needs them and stopped, by the
// PIDs started, when the package's tests end (testkit.Main). Each test
// uses sites of its own names, so they do not see each other's jobs.
var shared struct {
	once sync.Once
	c    Client
	err  error
}

func TestMain(m *testing.M) { testkit.Main(m) }

// servers is the shared pair; under -short the test is skipped.
func servers(t *testing.T) Client {
	t.Helper()
	testkit.NeedsServers(t, "a Consul dev agent and a Nomad server")
	consulBin, nomadBin := testkit.Tool(t, "consul"), testkit.Tool(t, "nomad")
	shared.once.Do(func() { shared.c, shared.err = startServers(t, consulBin, nomadBin) })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.c
}

func startServers(t *testing.T, consulBin, nomadBin string) (Client, error) {
	dir, err := testkit.ServerDir("hostctl-sleep-")
	if err != nil {
		return Client{}, err
	}
	p := testkit.FreePorts(t, 3)
	consulAddr := "127.0.0.1:" + strconv.Itoa(p[0])
	if err := testkit.Spawn(consulBin, dir, "agent", "-dev", "-bind", "127.0.0.1", "-client", "127.0.0.1", "-node", "sleep-test",
		"-http-port", strconv.Itoa(p[0]), "-serf-lan-port", strconv.Itoa(p[1]), "-server-port", strconv.Itoa(p[2]),
		"-dns-port", "-1", "-grpc-port", "-1", "-serf-wan-port", "-1", "-log-level", "warn",
		// Dev mode also opens gRPC-TLS on the fixed port 8503, which two
		// agents (other packages' tests) cannot share.
		"-hcl", "ports { grpc_tls = -1 }"); err != nil {
		return Client{}, err
	}
	// A server alone: scaling is all these tests do, and without a client
	// nothing needs root, cgroups or fingerprinting, and nothing runs.
	nc, err := testkit.StartNomadServer(nomadBin, dir, consulAddr)
	if err != nil {
		return Client{}, err
	}
	// An explicit scheme: the dev agent speaks plain HTTP whatever the
	// developer's environment says.
	cc, err := consul.NewClient(&consul.Config{Address: consulAddr, Scheme: "http"})
	if err != nil {
		return Client{}, err
	}
	deadline := time.Now().Add(45 * time.Second)
	for {
		leader, err := cc.Status().Leader()
		if err == nil && leader != "" {
			return Client{Nomad: nc, Consul: cc}, nil
		}
		if time.Now().After(deadline) {
			return Client{}, fmt.Errorf("consul never elected a leader (%v)", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// siteSpec is a site with a worker, redirects, static files and HTTPS
// only, so the marker has every label to carry.
const siteSpec = `
site %q {
  domains    = ["%[1]s.test", "www.%[1]s.test"]
  redirects  = ["old.%[1]s.test"]
  https_only = true
  app        = "."
  wsgi       = "app:application"

  process "web" {
    instances = 2
  }
  process "worker" {
    command   = ["python", "worker.py"]
    instances = 1
  }
  health {
    path = "/healthz"
  }
  static {
    url = "/static/"
    dir = "static"
  }
}
`

// renderSite renders site as siteops would deploy it, with sleepAfter.
// Its constraint on the hostctl launcher's node meta leaves it pending
// here, where no client runs: only its counts matter.
func renderSite(t *testing.T, site string, sleepAfter time.Duration) *nomad.Job {
	t.Helper()
	job := rendered(t, site, sleepAfter)
	// These servers run no client, so a deployment that places anything
	// never ends, and Nomad refuses to scale a job while one is active.
	// max_parallel 0 turns deployments off; scaling a site whose
	// deployments end is the integration test's.
	for _, tg := range job.TaskGroups {
		tg.Update = &nomad.UpdateStrategy{MaxParallel: new(0)}
	}
	return job
}

// renderWithDeployments is the site's job as rendered but for its other
// processes, which start no deployment (max_parallel 0): a sleep scales
// them first and web last, and with no client a deployment of theirs
// would never end (see renderSite).
func renderWithDeployments(t *testing.T, site string, sleepAfter time.Duration) *nomad.Job {
	t.Helper()
	job := rendered(t, site, sleepAfter)
	for _, tg := range job.TaskGroups[1:] {
		tg.Update = &nomad.UpdateStrategy{MaxParallel: new(0)}
	}
	return job
}

func rendered(t *testing.T, site string, sleepAfter time.Duration) *nomad.Job {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, site, "static"), 0o755); err != nil {
		t.Fatal(err)
	}
	sites, err := jobs.ParseSource("site.hcl", fmt.Appendf(nil, siteSpec, site), jobs.Options{SourceRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	job := jobs.Render(sites[0], 2000001)
	secs := strconv.Itoa(int(sleepAfter / time.Second))
	// Set here as well as by the renderer (if it does): the tests hold
	// this package to the contract, not to the renderer's progress.
	job.Meta[contract.MetaSleepAfter] = secs
	web, err := webService(job)
	if err != nil {
		t.Fatal(err)
	}
	web.Meta[contract.MetaSleepAfter] = secs
	return job
}

// deploySite registers a rendered site and returns its job as Nomad has it.
func deploySite(t *testing.T, c Client, site string, sleepAfter time.Duration) *nomad.Job {
	t.Helper()
	return register(t, c, site, renderSite(t, site, sleepAfter))
}

func register(t *testing.T, c Client, site string, job *nomad.Job) *nomad.Job {
	t.Helper()
	if _, _, err := c.Nomad.Jobs().Register(job, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _, _ = c.Nomad.Jobs().Deregister(site, false, nil)
		_ = c.Forget(context.Background(), site)
	})
	return jobOf(t, c, site)
}

func jobOf(t *testing.T, c Client, site string) *nomad.Job {
	t.Helper()
	job, _, err := c.Nomad.Jobs().Info(site, nil)
	if err != nil {
		t.Fatal(err)
	}
	return job
}

func countsNow(t *testing.T, c Client, site string) string {
	t.Helper()
	return FormatCounts(countsOf(jobOf(t, c, site)))
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// markerOf is site's marker as the health endpoint shows it, with checks.
func markerOf(t *testing.T, c Client, site string) *consul.ServiceEntry {
	t.Helper()
	entries, _, err := c.Consul.Health().Service(site, "", false, &consul.QueryOptions{Filter: fmt.Sprintf("Node.Node == %q", contract.SleepNode)})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		return nil
	}
	return entries[0]
}
