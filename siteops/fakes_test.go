package siteops

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/deploy"
	"github.com/hostctl/hostctl/jobs"
	"github.com/hostctl/hostctl/sleep"
)

// cluster is a fake of every port: it records each call as one line, and
// fails the calls named in fail.
type cluster struct {
	mu       sync.Mutex
	calls    []string
	fail     map[string]error // "Deploy shop" -> error
	deployed map[string]bool
	refs     []JobRef
	platform map[string]string
	uids     map[string]int
	asleep   map[string]bool
	healthy  []int // Healthy's answers, in turn
	jobs     map[string]*nomad.Job
	// failOnce fails a call only the first time, so an undo's repeat of
	// it succeeds.
	failOnce map[string]error
	current  *nomad.Job   // Current's job
	crons    []*nomad.Job // Current's crons
	media    map[string]string
	deploys  []*nomad.Job // what Deploy was given, in turn
}

func newCluster() *cluster {
	return &cluster{fail: map[string]error{}, failOnce: map[string]error{}, media: map[string]string{}, deployed: map[string]bool{}, uids: map[string]int{}, asleep: map[string]bool{}, jobs: map[string]*nomad.Job{}}
}

func (c *cluster) call(name string, args ...any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	line := strings.TrimSpace(fmt.Sprintln(append([]any{name}, args...)...))
	c.calls = append(c.calls, line)
	if err, ok := c.failOnce[line]; ok {
		delete(c.failOnce, line)
		return err
	}
	return c.fail[line]
}

func (c *cluster) log() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.calls...)
}

func names(sites []jobs.Site) string {
	var n []string
	for _, s := range sites {
		n = append(n, s.Name)
	}
	return strings.Join(n, ",")
}

func (c *cluster) CheckDomains(_ context.Context, sites []jobs.Site) error {
	return c.call("CheckDomains", names(sites))
}
func (c *cluster) Register(_ context.Context, job *nomad.Job) error {
	c.jobs[*job.ID] = job
	return c.call("Register", *job.ID)
}
func (c *cluster) Deploy(_ context.Context, job *nomad.Job, _ io.Writer) error {
	c.deploys = append(c.deploys, job)
	return c.call("Deploy", *job.ID)
}
func (c *cluster) SyncCrons(_ context.Context, site string, crons []*nomad.Job, _ io.Writer) error {
	return c.call("SyncCrons", site, len(crons))
}
func (c *cluster) Plan(_ context.Context, job *nomad.Job, _ io.Writer) (bool, error) {
	return *job.ID == "changed", c.call("Plan", *job.ID)
}
func (c *cluster) Destroy(_ context.Context, id string) error { return c.call("Destroy", id) }
func (c *cluster) JobIDs(context.Context) ([]JobRef, error) {
	return c.refs, c.call("JobIDs")
}
func (c *cluster) Deployed(_ context.Context, site string) (bool, error) {
	return c.deployed[site], c.call("Deployed", site)
}
func (c *cluster) Restart(_ context.Context, site string, _ io.Writer) error {
	return c.call("Restart", site)
}
func (c *cluster) SetJobEnv(_ context.Context, site, name, value string, _ io.Writer) error {
	return c.call("SetJobEnv", site, name+"="+value)
}
func (c *cluster) Rollback(_ context.Context, site string, version *uint64) (uint64, error) {
	to := uint64(3)
	if version != nil {
		to = *version
	}
	return to, c.call("Rollback", site)
}
func (c *cluster) Follow(_ context.Context, site string, _ io.Writer) error {
	return c.call("Follow", site)
}
func (c *cluster) UID(_ context.Context, site string) (int, error) {
	c.uids[site] = 2_000_000 + len(c.uids)
	return c.uids[site], c.call("UID", site)
}
func (c *cluster) PeekUID(_ context.Context, site string) (int, error) {
	return 2_000_000, c.call("PeekUID", site)
}
func (c *cluster) CheckSet(_ context.Context, site string, declared []string) error {
	return c.call("CheckSet", site)
}
func (c *cluster) Set(_ context.Context, site, name, _ string) error {
	return c.call("Set", site, name)
}
func (c *cluster) Unset(_ context.Context, site, name string) error {
	return c.call("Unset", site, name)
}
func (c *cluster) Platform(_ context.Context, site string) (map[string]string, error) {
	return c.platform, c.call("Platform", site)
}
func (c *cluster) Check(sites []jobs.Site) error { return c.call("Check", names(sites)) }
func (c *cluster) Ensure(_ context.Context, s *jobs.Site, uid int) error {
	return c.call("Ensure", s.Name)
}
func (c *cluster) Describe(_ context.Context, s *jobs.Site) error { return c.call("Describe", s.Name) }
func (c *cluster) Purge(_ context.Context, site string, _ io.Writer) error {
	return c.call("Purge", site)
}
func (c *cluster) Rotate(_ context.Context, site string, roll func(string) error) (string, error) {
	if err := c.call("Rotate", site); err != nil {
		return "", err
	}
	return site + "_b", roll(site + "_b")
}
func (c *cluster) WaitRouted(_ context.Context, host string) error { return c.call("WaitRouted", host) }
func (c *cluster) URL(host string) string                          { return "http://" + host + "/" }
func (c *cluster) Curl(host string) string                         { return "curl " + host }

func (c *cluster) Healthy(_ context.Context, site string) (int, error) {
	n := 0
	if len(c.healthy) > 0 {
		n, c.healthy = c.healthy[0], c.healthy[1:]
	}
	return n, c.call("Healthy", site)
}
func (c *cluster) List(context.Context) ([]deploy.SiteSummary, error) {
	return []deploy.SiteSummary{{Name: "a"}, {Name: "b"}}, c.call("List")
}
func (c *cluster) Status(_ context.Context, site string) (*deploy.SiteStatus, error) {
	return &deploy.SiteStatus{Name: site}, c.call("Status", site)
}

// sleeps is the fake of package sleep, recording into the same log.
type sleeps struct{ *cluster }

func (s sleeps) Sleep(_ context.Context, site string) error { return s.call("Sleep", site) }
func (s sleeps) Wake(_ context.Context, site string) (bool, error) {
	return true, s.call("Wake", site)
}
func (s sleeps) Awake(_ context.Context, site string) error { return s.call("Awake", site) }
func (s sleeps) Status(_ context.Context, site string) (sleep.State, error) {
	return sleep.State{Site: site, Asleep: s.asleep[site]}, s.call("SleepStatus", site)
}
func (s sleeps) Asleep(context.Context) (map[string]sleep.State, error) {
	out := map[string]sleep.State{}
	for site, a := range s.asleep {
		out[site] = sleep.State{Site: site, Asleep: a}
	}
	return out, s.call("Asleep")
}
func (s sleeps) Forget(_ context.Context, site string) error { return s.call("Forget", site) }
func (s sleeps) Begin(_ context.Context, job *nomad.Job) error {
	return s.call("Begin", *job.ID, *job.TaskGroups[0].Count)
}
func (s sleeps) Refresh(_ context.Context, job *nomad.Job) error {
	return s.call("Refresh", *job.ID, *job.TaskGroups[0].Count)
}

// service is a Service whose every port is c, printing into out.
func (c *cluster) service(out *bytes.Buffer) *Service {
	return &Service{Jobs: c, Accounts: c, Secrets: c, Provisioner: c, Router: c, Sleeps: sleeps{c}, Media: c, Out: out}
}

func sorted(s []string) []string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	return s
}

func (c *cluster) Current(_ context.Context, site string) (*nomad.Job, []*nomad.Job, error) {
	return c.current, c.crons, c.call("Current", site)
}
func (c *cluster) Stop(_ context.Context, job *nomad.Job) error { return c.call("Stop", *job.ID) }

// The Media fake's rounds are full, then incremental on the one before.
func (c *cluster) Root(_ context.Context, site string) (string, error) {
	return c.media[site], c.call("Root", site)
}
func (c *cluster) Replicate(_ context.Context, site, from, to string) (Sent, error) {
	if err := c.call("Replicate", site, from, to); err != nil {
		return Sent{}, err
	}
	n := 0
	for _, l := range c.log() {
		if strings.HasPrefix(l, "Replicate ") {
			n++
		}
	}
	sent := Sent{Snapshot: fmt.Sprintf("s%d", n), Bytes: int64(1000 / n)}
	if n > 1 {
		sent.Parent = fmt.Sprintf("s%d", n-1)
	}
	return sent, nil
}
func (c *cluster) Promote(_ context.Context, site, from, to string) error {
	return c.call("Promote", site, from, to)
}
func (c *cluster) Record(_ context.Context, site, root string) error {
	if err := c.call("Record", site, root); err != nil {
		return err
	}
	c.media[site] = root
	return nil
}
func (c *cluster) Drop(_ context.Context, site, root string) error {
	return c.call("Drop", site, root)
}
