package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	consul "github.com/hashicorp/consul/api"
	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/devcluster"
	"github.com/hostctl/hostctl/siteops"
)

// cluster is the bench's dev cluster, driven through the hostctl CLI as an
// operator would (`dev up`, `eval "$(hostctl dev env)"`, `site apply`,
// `site sleep`, `site status`), with API clients for what the CLI does not
// show: allocations and their task events, and Consul health.
type cluster struct {
	bin, state string
	settle     time.Duration
	env        []string
	cfg        devcluster.Config
	nomad      *nomad.Client
	consul     *consul.Client
	started    bool
}

func (c *cluster) up(portBase int) {
	// The limits file lets sites say sleep_after = "1h" (and anything
	// shorter, were it wanted); an hour keeps the Sleeper out of the way:
	// the bench alone puts sites to sleep.
	limits := filepath.Join(c.state, "..", "limits.hcl")
	check(os.WriteFile(limits, []byte("limits {\n  min_sleep_after = 1\n}\n"), 0o644))
	c.env = append(os.Environ(), "HOSTCTL_STATE_DIR="+c.state, "HOSTCTL_LIMITS="+limits)
	t0 := time.Now()
	c.started = true
	c.must("dev", "up", "--port-base", strconv.Itoa(portBase))
	log.Printf("dev up took %s", time.Since(t0).Round(time.Millisecond))
	for _, line := range strings.Split(c.must("dev", "env"), "\n") {
		kv, ok := strings.CutPrefix(line, "export ")
		if !ok {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if uq, err := strconv.Unquote(v); err == nil {
			v = uq
		}
		c.env = append(c.env, k+"="+v)
	}
	var err error
	c.cfg, err = devcluster.LoadConfig(c.state)
	check(err)
	c.nomad, err = c.cfg.NomadClient()
	check(err)
	c.consul, err = c.cfg.ConsulClient()
	check(err)
}

// down stops everything the cluster started, by the PIDs it recorded,
// and deletes its state.
func (c *cluster) down() {
	if !c.started {
		return
	}
	if out, err := c.run("dev", "down", "--purge"); err != nil {
		log.Printf("dev down: %v\n%s", err, out)
	}
}

func (c *cluster) run(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Env = c.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func (c *cluster) must(args ...string) string {
	out, err := c.run(args...)
	if err != nil {
		fail("hostctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (c *cluster) routerURL() string  { return c.cfg.RouterURL() }
func (c *cluster) sourceRoot() string { return c.cfg.SourceRoot() }
func (c *cluster) routerLog() string  { return filepath.Join(c.state, "log", "router.log") }

// stage copies an example app into the source tree as site's code, as
// scripts/demo does (its specs say app = ".").
func (c *cluster) stage(site, example string) {
	dst := filepath.Join(c.sourceRoot(), site)
	check(filepath.WalkDir(example, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(example, p)
		if d.Name() == "__pycache__" || d.Name() == "data" {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	}))
	check(os.Chmod(c.sourceRoot(), 0o755))
}

func (c *cluster) status(site string) (siteops.SiteStatus, error) {
	var st siteops.SiteStatus
	out, err := c.run("site", "status", "-o", "json", site)
	if err != nil {
		return st, fmt.Errorf("site status %s: %v: %s", site, err, out)
	}
	return st, json.Unmarshal([]byte(out), &st)
}

// sleep puts site to sleep with `hostctl site sleep` and returns once
// `site status` says asleep and Nomad runs no allocation of its job, so
// the next request finds nothing running.
func (c *cluster) sleep(site string) {
	var err error
	for try := 0; try < 10; try++ {
		var out string
		// A site just woken may still be in its scale-up's deployment;
		// sleep says so (conflict) rather than fight it: try again.
		if out, err = c.run("site", "sleep", site); err == nil {
			break
		}
		err = fmt.Errorf("site sleep %s: %v: %s", site, err, strings.TrimSpace(out))
		time.Sleep(time.Second)
	}
	check(err)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		st, err := c.status(site)
		check(err)
		if st.Sleep.Asleep && c.allocsStopped(site) {
			return
		}
		if time.Now().After(deadline) {
			fail("%s not asleep and stopped 2 min after site sleep: %+v", site, st.Sleep)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (c *cluster) allocsStopped(site string) bool {
	allocs, _, err := c.nomad.Jobs().Allocations(site, false, nil)
	check(err)
	for _, a := range allocs {
		if a.ClientStatus == nomad.AllocClientStatusRunning || a.ClientStatus == nomad.AllocClientStatusPending {
			return false
		}
	}
	return true
}

// passing is how many of site's instances Consul lists as passing (the
// sleep marker's check is a warning, so it never counts).
func (c *cluster) passing(site string) int {
	entries, _, err := c.consul.Health().Service(site, contract.ServiceTag, true, nil)
	if err != nil {
		return 0
	}
	return len(entries)
}

// waitHealthy polls Consul until an instance of site passes its check and
// returns when it saw that.
func (c *cluster) waitHealthy(site string, limit time.Duration) (time.Time, error) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if c.passing(site) > 0 {
			return time.Now(), nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Time{}, fmt.Errorf("%s: no passing instance within %s", site, limit)
}
