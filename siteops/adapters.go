package siteops

import (
	"context"
	"io"

	consul "github.com/hashicorp/consul/api"
	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/accounts"
	"github.com/hostctl/hostctl/deploy"
	"github.com/hostctl/hostctl/jobs"
	"github.com/hostctl/hostctl/provisioner"
	"github.com/hostctl/hostctl/secrets"
	"github.com/hostctl/hostctl/sleep"
)

// New is a Service over a real cluster: Nomad (jobs, uids and secrets in
// its Variables), Consul (health, sleeping sites; nil: neither), the
// provisioner's Postgres and btrfs, and the router at routerURL ("" waits
// for no router).
func New(nc *nomad.Client, cc *consul.Client, prov provisioner.Config, routerURL string, out io.Writer) *Service {
	s := &Service{
		Jobs:        nomadJobs{nc, cc},
		Accounts:    nomadAccounts{nc, accounts.NewBook(nc)},
		Secrets:     nomadSecrets{nc},
		Provisioner: provisioned{prov, nc},
		Media:       provisioned{prov, nc},
		Out:         out,
	}
	if routerURL != "" {
		s.Router = HTTPRouter{BaseURL: routerURL}
	}
	if cc != nil {
		s.Sleeps = sleep.Client{Nomad: nc, Consul: cc}
	}
	return s
}

type nomadJobs struct {
	nc *nomad.Client
	cc *consul.Client
}

func (n nomadJobs) CheckDomains(ctx context.Context, sites []jobs.Site) error {
	return deploy.CheckDomains(ctx, n.nc, sites)
}
func (n nomadJobs) Register(ctx context.Context, job *nomad.Job) error {
	return deploy.Register(ctx, n.nc, job)
}
func (n nomadJobs) Deploy(ctx context.Context, job *nomad.Job, out io.Writer) error {
	return deploy.Apply(ctx, n.nc, job, out)
}
func (n nomadJobs) SyncCrons(ctx context.Context, site string, crons []*nomad.Job, out io.Writer) error {
	return deploy.SyncCrons(ctx, n.nc, site, crons, out)
}
func (n nomadJobs) Plan(ctx context.Context, job *nomad.Job, out io.Writer) (bool, error) {
	return deploy.Plan(ctx, n.nc, job, out)
}
func (n nomadJobs) Destroy(ctx context.Context, id string) error {
	return deploy.Destroy(ctx, n.nc, id)
}
func (n nomadJobs) JobIDs(ctx context.Context) ([]JobRef, error) {
	list, err := deploy.Jobs(ctx, n.nc)
	refs := make([]JobRef, len(list))
	for i, j := range list {
		refs[i] = JobRef(j)
	}
	return refs, err
}
func (n nomadJobs) Deployed(ctx context.Context, site string) (bool, error) {
	return deploy.Deployed(ctx, n.nc, site)
}
func (n nomadJobs) Restart(ctx context.Context, site string, out io.Writer) error {
	return deploy.Restart(ctx, n.nc, site, out)
}
func (n nomadJobs) SetJobEnv(ctx context.Context, site, name, value string, out io.Writer) error {
	return deploy.SetJobEnv(ctx, n.nc, site, name, value, out)
}
func (n nomadJobs) Rollback(ctx context.Context, site string, version *uint64) (uint64, error) {
	return deploy.Rollback(ctx, n.nc, site, version)
}
func (n nomadJobs) Follow(ctx context.Context, site string, out io.Writer) error {
	return deploy.Follow(ctx, n.nc, site, out)
}
func (n nomadJobs) List(ctx context.Context) ([]deploy.SiteSummary, error) {
	return deploy.List(ctx, n.nc)
}
func (n nomadJobs) Status(ctx context.Context, site string) (*deploy.SiteStatus, error) {
	return deploy.Status(ctx, n.nc, n.cc, site)
}
func (n nomadJobs) Current(ctx context.Context, site string) (*nomad.Job, []*nomad.Job, error) {
	return deploy.Current(ctx, n.nc, site)
}
func (n nomadJobs) Stop(ctx context.Context, job *nomad.Job) error {
	return deploy.Stop(ctx, n.nc, job)
}
func (n nomadJobs) Healthy(ctx context.Context, site string) (int, error) {
	st, err := deploy.Status(ctx, n.nc, n.cc, site)
	if err != nil {
		return 0, err
	}
	passing := 0
	for _, in := range st.Instances {
		if in.Health == consul.HealthPassing {
			passing++
		}
	}
	return passing, nil
}

type nomadAccounts struct {
	nc   *nomad.Client
	book *accounts.Book
}

func (n nomadAccounts) UID(ctx context.Context, site string) (int, error) {
	return n.book.UID(ctx, site)
}
func (n nomadAccounts) PeekUID(ctx context.Context, site string) (int, error) {
	return accounts.Peek(ctx, n.nc, site)
}

type nomadSecrets struct{ nc *nomad.Client }

func (n nomadSecrets) CheckSet(ctx context.Context, site string, declared []string) error {
	return secrets.CheckSet(ctx, n.nc, site, declared)
}
func (n nomadSecrets) Set(ctx context.Context, site, name, value string) error {
	return secrets.Set(ctx, n.nc, site, name, value)
}
func (n nomadSecrets) Unset(ctx context.Context, site, name string) error {
	return secrets.Unset(ctx, n.nc, site, name)
}
func (n nomadSecrets) Platform(ctx context.Context, site string) (map[string]string, error) {
	return secrets.Platform(ctx, n.nc, site)
}

// provisioned binds the provisioner's configuration to the Nomad client
// holding sites' credentials.
type provisioned struct {
	cfg provisioner.Config
	nc  *nomad.Client
}

func (p provisioned) Check(sites []jobs.Site) error { return p.cfg.Check(sites) }
func (p provisioned) Ensure(ctx context.Context, s *jobs.Site, uid int) error {
	return p.cfg.Ensure(ctx, p.nc, s, uid)
}
func (p provisioned) Describe(ctx context.Context, s *jobs.Site) error {
	return p.cfg.Describe(ctx, p.nc, s)
}
func (p provisioned) Purge(ctx context.Context, site string, out io.Writer) error {
	return p.cfg.Purge(ctx, p.nc, site, out)
}
func (p provisioned) Rotate(ctx context.Context, site string, roll func(login string) error) (string, error) {
	return p.cfg.Rotate(ctx, p.nc, site, roll)
}

func (p provisioned) Root(ctx context.Context, site string) (string, error) {
	root, recorded, err := p.cfg.SiteMediaRoot(ctx, p.nc, site)
	if !recorded {
		return "", err
	}
	return root, err
}
func (p provisioned) Replicate(ctx context.Context, site, from, to string) (Sent, error) {
	s, err := provisioner.ReplicateMedia(ctx, site, from, to)
	return Sent(s), err
}
func (p provisioned) Promote(ctx context.Context, site, from, to string) error {
	return provisioner.PromoteMedia(ctx, site, from, to)
}
func (p provisioned) Record(ctx context.Context, site, root string) error {
	return provisioner.RecordMediaRoot(ctx, p.nc, site, root)
}
func (p provisioned) Drop(ctx context.Context, site, root string) error {
	return provisioner.DropMedia(ctx, site, root)
}
