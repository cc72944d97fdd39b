package siteops

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/jobs"
)

// specOf parses sites named n with a cron each, the way the CLI would.
func specOf(t *testing.T, n ...string) []jobs.Site {
	t.Helper()
	var b strings.Builder
	for _, name := range n {
		fmt.Fprintf(&b, `site %q {
  domains = ["%s.example.com"]
  app     = "."
  wsgi    = "app:application"
  cron "tick" {
    schedule = "@hourly"
    command  = ["true"]
  }
}
`, name, name)
	}
	root := t.TempDir()
	for _, name := range n {
		if err := os.Mkdir(filepath.Join(root, name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	sites, err := jobs.ParseSource("spec.hcl", []byte(b.String()), jobs.Options{SourceRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	return sites
}

var errBoom = errors.New("boom")

func TestApply(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sites  []string
		detach bool
		asleep bool
		// running sites are deployed before the apply
		running []string
		fail    string // the call that fails
		want    []string
	}{
		{
			name: "every check before the first change, then each site in order", sites: []string{"a", "b"},
			want: []string{"CheckDomains a,b", "CheckSet a", "CheckSet b", "Check a,b",
				"UID a", "Ensure a", "SleepStatus a", "Deploy a", "SyncCrons a 1", "WaitRouted a.example.com",
				"UID b", "Ensure b", "SleepStatus b", "Deploy b", "SyncCrons b 1", "WaitRouted b.example.com"},
		},
		{
			name: "a missing secret of the second site touches neither", sites: []string{"a", "b"}, fail: "CheckSet b",
			want: []string{"CheckDomains a,b", "CheckSet a", "CheckSet b"},
		},
		{
			name: "a domain taken in the cluster touches nothing", sites: []string{"a"}, fail: "CheckDomains a",
			want: []string{"CheckDomains a"},
		},
		{
			name: "what the provisioner cannot give touches nothing", sites: []string{"a"}, fail: "Check a",
			want: []string{"CheckDomains a", "CheckSet a", "Check a"},
		},
		{
			name: "crons follow only a healthy deploy", sites: []string{"a", "b"}, fail: "Deploy a",
			want: []string{"CheckDomains a,b", "CheckSet a", "CheckSet b", "Check a,b", "UID a", "Ensure a", "SleepStatus a", "Deploy a"},
		},
		{
			name: "no job before its database and media", sites: []string{"a"}, fail: "Ensure a",
			want: []string{"CheckDomains a", "CheckSet a", "Check a", "UID a", "Ensure a"},
		},
		{
			name: "detached: registered, crons synced, nothing followed", sites: []string{"a"}, detach: true,
			want: []string{"CheckDomains a", "CheckSet a", "Check a", "UID a", "Ensure a", "SleepStatus a", "Register a", "SyncCrons a 1"},
		},
		{
			name: "asleep: a new site's marker comes before its job, registered at zero; nothing waits", sites: []string{"a"}, asleep: true,
			want: []string{"CheckDomains a", "CheckSet a", "Check a", "UID a", "Ensure a", "SleepStatus a", "Deployed a", "Begin a 1",
				"Register a", "SyncCrons a 1"},
		},
		{
			name: "asleep: a running site sleeps, then its new version is registered asleep", sites: []string{"a"}, asleep: true, running: []string{"a"},
			want: []string{"CheckDomains a", "CheckSet a", "Check a", "UID a", "Ensure a", "SleepStatus a", "Deployed a", "Sleep a",
				"Register a", "SyncCrons a 1", "Refresh a 1"},
		},
		{
			name: "asleep: no job without its marker", sites: []string{"a"}, asleep: true, fail: "Begin a 1",
			want: []string{"CheckDomains a", "CheckSet a", "Check a", "UID a", "Ensure a", "SleepStatus a", "Deployed a", "Begin a 1"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster()
			if tc.fail != "" {
				c.fail[tc.fail] = errBoom
			}
			for _, s := range tc.running {
				c.deployed[s] = true
			}
			var out bytes.Buffer
			err := c.service(&out).Apply(context.Background(), specOf(t, tc.sites...), ApplyOptions{Detach: tc.detach, Asleep: tc.asleep})
			if (tc.fail != "") != errors.Is(err, errBoom) {
				t.Fatalf("Apply = %v; want the failure of %q", err, tc.fail)
			}
			if got := c.log(); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("calls:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

func TestApplyPrintsWhereTheSiteIsLive(t *testing.T) {
	c := newCluster()
	var out bytes.Buffer
	if err := c.service(&out).Apply(context.Background(), specOf(t, "a"), ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "a is live in") || !strings.Contains(out.String(), "curl a.example.com") {
		t.Fatalf("output %q names neither the URL nor the curl", out.String())
	}
	// A router that lags is said, not a failure: Nomad has the site healthy.
	c = newCluster()
	c.fail["WaitRouted a.example.com"] = errBoom
	out.Reset()
	if err := c.service(&out).Apply(context.Background(), specOf(t, "a"), ApplyOptions{}); err != nil || !strings.Contains(out.String(), "does not route it yet") {
		t.Fatalf("Apply = %v, output %q", err, out.String())
	}
}

func TestPlanAssignsNothing(t *testing.T) {
	c := newCluster()
	var out bytes.Buffer
	changed, err := c.service(&out).Plan(context.Background(), specOf(t, "same", "changed"))
	if err != nil || !changed {
		t.Fatalf("Plan = %v, %v; want changed", changed, err)
	}
	want := []string{"CheckDomains same,changed", "PeekUID same", "Describe same", "Plan same", "PeekUID changed", "Describe changed", "Plan changed"}
	if got := c.log(); !reflect.DeepEqual(got, want) {
		t.Fatalf("calls %v, want %v", got, want)
	}
	if changed, _ := c.service(&out).Plan(context.Background(), specOf(t, "same")); changed {
		t.Fatal("a plan with nothing to change says changed")
	}
}

func TestDestroy(t *testing.T) {
	for _, tc := range []struct {
		name  string
		site  string
		purge bool
		fail  string
		want  []string
		code  int
	}{
		{name: "keeps data", site: "a", want: []string{"Destroy a", "Forget a"}},
		{name: "purge after the job is gone", site: "a", purge: true, want: []string{"Destroy a", "Forget a", "Purge a"}},
		{name: "a job that would not go keeps its data", site: "a", purge: true, fail: "Destroy a", want: []string{"Destroy a"}, code: 1},
		{name: "a bad name reaches nothing", site: "../a", purge: true, want: nil, code: int(contract.Invalid)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster()
			if tc.fail != "" {
				c.fail[tc.fail] = errBoom
			}
			err := c.service(new(bytes.Buffer)).Destroy(context.Background(), tc.site, tc.purge)
			if contract.ExitCode(err) != tc.code {
				t.Fatalf("Destroy = %v (exit %d), want exit %d", err, contract.ExitCode(err), tc.code)
			}
			if got := c.log(); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("calls %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDestroyAll(t *testing.T) {
	c := newCluster()
	c.refs = []JobRef{
		{ID: "a", Site: "a"}, {ID: "a-cron-tick", CronOf: "a"},
		{ID: "b", Site: "b"},
		{ID: "gone-cron-tick", CronOf: "gone"}, // its site is already gone
		{ID: "someone-elses"},
	}
	c.fail["Destroy b"] = errBoom
	n, err := c.service(new(bytes.Buffer)).DestroyAll(context.Background())
	if !errors.Is(err, errBoom) || n != 4 {
		t.Fatalf("DestroyAll = %d, %v; want 4 jobs and b's failure", n, err)
	}
	// The site's own destroy removes its cron; every other job goes, even
	// after one failed.
	want := []string{"Destroy a", "Destroy b", "Destroy gone-cron-tick", "Destroy someone-elses", "JobIDs"}
	if got := sorted(c.log()); !reflect.DeepEqual(got, want) {
		t.Fatalf("calls %v, want %v", got, want)
	}
}

func TestChangeSecret(t *testing.T) {
	for _, tc := range []struct {
		name     string
		change   SecretChange
		deployed bool
		want     []string
	}{
		{name: "set rolls a deployed site", change: SecretChange{Site: "a", Name: "K", Value: "v"}, deployed: true,
			want: []string{"Set a K", "Deployed a", "Restart a"}},
		{name: "unset rolls too", change: SecretChange{Site: "a", Name: "K"}, deployed: true,
			want: []string{"Unset a K", "Deployed a", "Restart a"}},
		{name: "a site not deployed reads it at apply", change: SecretChange{Site: "a", Name: "K", Value: "v"},
			want: []string{"Set a K", "Deployed a"}},
		{name: "no restart when asked", change: SecretChange{Site: "a", Name: "K", Value: "v", NoRestart: true}, deployed: true,
			want: []string{"Set a K"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster()
			c.deployed["a"] = tc.deployed
			if err := c.service(new(bytes.Buffer)).ChangeSecret(context.Background(), tc.change); err != nil {
				t.Fatal(err)
			}
			if got := c.log(); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("calls %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRotateDBRollsOntoTheNewLogin(t *testing.T) {
	c := newCluster()
	var out bytes.Buffer
	if err := c.service(&out).RotateDB(context.Background(), "a"); err != nil {
		t.Fatal(err)
	}
	want := []string{"Rotate a", "SetJobEnv a " + contract.EnvDBLogin + "=a_b"}
	if got := c.log(); !reflect.DeepEqual(got, want) {
		t.Fatalf("calls %v, want %v", got, want)
	}
	if !strings.Contains(out.String(), "now connects as a_b") {
		t.Fatalf("output %q", out.String())
	}
}

func TestRollbackFollowsTheDeployment(t *testing.T) {
	c := newCluster()
	var out bytes.Buffer
	v := uint64(7)
	if err := c.service(&out).Rollback(context.Background(), "a", &v); err != nil {
		t.Fatal(err)
	}
	if got := c.log(); !reflect.DeepEqual(got, []string{"Rollback a", "Follow a"}) || !strings.Contains(out.String(), "version 7") {
		t.Fatalf("calls %v, output %q", got, out.String())
	}
}

func TestPsqlEnv(t *testing.T) {
	c := newCluster()
	if _, err := c.service(nil).PsqlEnv(context.Background(), "a"); contract.ExitCode(err) != int(contract.NotFound) {
		t.Fatalf("a site without a database: %v", err)
	}
	c.platform = map[string]string{}
	for name, key := range contract.DatabaseKeys {
		c.platform[key] = "v-" + name
	}
	env, err := c.service(nil).PsqlEnv(context.Background(), "a")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"PGDATABASE=v-PGDATABASE", "PGHOST=v-PGHOST", "PGPASSWORD=v-PGPASSWORD", "PGPORT=v-PGPORT", "PGUSER=v-PGUSER"}
	if !reflect.DeepEqual(env, want) {
		t.Fatalf("env %v, want %v", env, want)
	}
}

func TestSleepingSites(t *testing.T) {
	for _, tc := range []struct {
		name   string
		asleep bool
		run    func(*Service) error
		want   []string
	}{
		{
			name: "a sleeping site's new version is registered asleep", asleep: true,
			run: func(s *Service) error { return s.Apply(context.Background(), specOf(t, "a"), ApplyOptions{}) },
			want: []string{"CheckDomains a", "CheckSet a", "Check a", "UID a", "Ensure a", "SleepStatus a",
				"Register a", "SyncCrons a 1", "Refresh a 1"},
		},
		{
			name: "--wake deploys it awake and drops its marker", asleep: true,
			run: func(s *Service) error { return s.Apply(context.Background(), specOf(t, "a"), ApplyOptions{Wake: true}) },
			want: []string{"CheckDomains a", "CheckSet a", "Check a", "UID a", "Ensure a", "SleepStatus a",
				"Deploy a", "SyncCrons a 1", "Awake a", "WaitRouted a.example.com"},
		},
		{
			name: "wake waits for a healthy instance before dropping the marker",
			run:  func(s *Service) error { return s.Wake(context.Background(), "a") },
			want: []string{"Wake a", "Healthy a", "Healthy a", "Awake a"},
		},
		{
			name: "sleep", run: func(s *Service) error { return s.Sleep(context.Background(), "a") },
			want: []string{"Sleep a"},
		},
		{
			name: "a bad name reaches nothing", run: func(s *Service) error { return s.Sleep(context.Background(), "A") },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster()
			c.asleep["a"] = tc.asleep
			c.healthy = []int{0, 1}
			err := tc.run(c.service(new(bytes.Buffer)))
			if (err != nil) != (tc.want == nil) {
				t.Fatalf("err = %v", err)
			}
			if got := c.log(); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("calls:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
			if j := c.jobs["a"]; tc.asleep && j != nil && *j.TaskGroups[0].Count != 0 {
				t.Errorf("a sleeping site was registered with %d instances", *j.TaskGroups[0].Count)
			}
		})
	}
}

func TestListShowsWhoSleeps(t *testing.T) {
	c := newCluster()
	c.asleep["b"] = true
	rows, err := c.service(nil).List(context.Background())
	if err != nil || len(rows) != 2 || rows[0].Asleep || !rows[1].Asleep {
		t.Fatalf("rows = %+v, %v", rows, err)
	}
}
