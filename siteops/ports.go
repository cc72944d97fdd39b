package siteops

import (
	"context"
	"io"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/deploy"
	"github.com/hostctl/hostctl/jobs"
	"github.com/hostctl/hostctl/sleep"
)

// Jobs is what the use cases need of Nomad's jobs.
type Jobs interface {
	// CheckDomains refuses sites claiming a domain another site holds.
	CheckDomains(ctx context.Context, sites []jobs.Site) error
	// Register submits a job and returns once Nomad has placed it.
	Register(ctx context.Context, job *nomad.Job) error
	// Deploy submits a job and follows its deployment until healthy.
	Deploy(ctx context.Context, job *nomad.Job, out io.Writer) error
	// SyncCrons makes the site's cron jobs exactly crons.
	SyncCrons(ctx context.Context, site string, crons []*nomad.Job, out io.Writer) error
	// Plan prints what registering job would change; true if anything.
	Plan(ctx context.Context, job *nomad.Job, out io.Writer) (bool, error)
	// Destroy stops a job, waits for its processes, purges it and its
	// crons.
	Destroy(ctx context.Context, id string) error
	// JobIDs lists every job that is not a periodic job's run, with the
	// site each belongs to ("" for a job that is not hostctl's).
	JobIDs(ctx context.Context) ([]JobRef, error)
	Deployed(ctx context.Context, site string) (bool, error)
	Restart(ctx context.Context, site string, out io.Writer) error
	SetJobEnv(ctx context.Context, site, name, value string, out io.Writer) error
	Rollback(ctx context.Context, site string, version *uint64) (uint64, error)
	Follow(ctx context.Context, site string, out io.Writer) error
	// Healthy counts the site's instances passing their health check.
	Healthy(ctx context.Context, site string) (int, error)
	List(ctx context.Context) ([]deploy.SiteSummary, error)
	Status(ctx context.Context, site string) (*deploy.SiteStatus, error)
	// Current is the site's job and its crons' jobs as registered.
	Current(ctx context.Context, site string) (*nomad.Job, []*nomad.Job, error)
	// Stop registers job with every count at zero and returns once none
	// of its processes runs.
	Stop(ctx context.Context, job *nomad.Job) error
}

// Sleeps puts sites to sleep and wakes them (package sleep).
type Sleeps interface {
	Sleep(ctx context.Context, site string) error
	// Wake scales the site back; false if another waker already did.
	Wake(ctx context.Context, site string) (bool, error)
	// Awake drops the sleep marker once an instance serves.
	Awake(ctx context.Context, site string) error
	Status(ctx context.Context, site string) (sleep.State, error)
	Asleep(ctx context.Context) (map[string]sleep.State, error)
	// Forget removes every trace of sleep: for a destroyed site.
	Forget(ctx context.Context, site string) error
	// Refresh brings a sleeping site's marker up to a new job version.
	Refresh(ctx context.Context, job *nomad.Job) error
	// Begin marks a site that runs nothing yet as asleep.
	Begin(ctx context.Context, job *nomad.Job) error
}

// JobRef is one job as DestroyAll sees it.
type JobRef struct {
	ID string
	// Site is set on a site's own job; CronOf on one of its crons.
	Site, CronOf string
}

// Accounts hands out sites' uids.
type Accounts interface {
	// UID returns the site's uid, assigning one on first use.
	UID(ctx context.Context, site string) (int, error)
	// PeekUID returns the uid the site has or would get, assigning none.
	PeekUID(ctx context.Context, site string) (int, error)
}

// Secrets keeps sites' secret values and the platform's keys beside them.
type Secrets interface {
	// CheckSet refuses a site whose declared secrets are not all set.
	CheckSet(ctx context.Context, site string, declared []string) error
	Set(ctx context.Context, site, name, value string) error
	Unset(ctx context.Context, site, name string) error
	// Platform returns the platform's keys (database credentials).
	Platform(ctx context.Context, site string) (map[string]string, error)
}

// Provisioner makes what a site's spec asks for besides its job.
type Provisioner interface {
	// Check refuses sites this cluster cannot provision.
	Check(sites []jobs.Site) error
	// Ensure makes the site's database and media store, filling in s.
	Ensure(ctx context.Context, s *jobs.Site, uid int) error
	// Describe fills in s as Ensure would, making nothing: for plans.
	Describe(ctx context.Context, s *jobs.Site) error
	// Purge drops the site's database, media and secrets after a backup.
	Purge(ctx context.Context, site string, out io.Writer) error
	// Rotate gives the site a new database login and calls roll with it.
	Rotate(ctx context.Context, site string, roll func(login string) error) (string, error)
}

// Router is the front door sites are reached through.
type Router interface {
	// WaitRouted returns once the router answers for host.
	WaitRouted(ctx context.Context, host string) error
	// URL is the address a browser can use for host.
	URL(host string) string
	// Curl is a command that reaches host through the router whatever
	// DNS says.
	Curl(host string) string
}

// Media moves sites' media stores between nodes' stores on this machine.
// Stores are named by their root, the path a node advertises in its
// contract.MediaRootMeta.
type Media interface {
	// Root is the store recorded as holding the site's media ("" when
	// none is: a site applied before roots were recorded).
	Root(ctx context.Context, site string) (string, error)
	// Replicate copies what changed in the site's files since the last
	// round (everything, the first time) from one store to another.
	Replicate(ctx context.Context, site, from, to string) (Sent, error)
	// Promote makes the last round's copy the site's live files in to.
	Promote(ctx context.Context, site, from, to string) error
	// Record records that the site's media now lives in root.
	Record(ctx context.Context, site, root string) error
	// Drop deletes the site's files and snapshots from the store at root.
	Drop(ctx context.Context, site, root string) error
}
