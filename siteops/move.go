package siteops

import (
	"context"
	"errors"
	"fmt"
	"time"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/deploy"
)

// Sent is one copy round of a move.
type Sent struct {
	Snapshot string `json:"snapshot"`
	// Parent is "" for the first, full, round.
	Parent string        `json:"parent,omitempty"`
	Bytes  int64         `json:"bytes"`
	Took   time.Duration `json:"took_ns"`
}

// Moved is what a move did and what it cost.
type Moved struct {
	Site  string `json:"site"`
	From  string `json:"from"`
	To    string `json:"to"`
	Sends []Sent `json:"sends"`
	// Downtime runs from the stop to the site healthy on the target.
	Downtime time.Duration `json:"downtime_ns"`
}

// Move moves a site with media to the node whose store is at target (that
// node's contract.MediaRootMeta, never a tenant's input). Its files are
// copied while it serves — a full round, then the changes since — and
// only then is it stopped for a last, short round; it comes back pinned to
// the target with its instance counts, and the source store is deleted
// once it is healthy there. Until then any failure starts it again where
// it was, from files nothing has touched since the stop, and deletes the
// half-made copy, so a move either happens or changes nothing.
func (s *Service) Move(ctx context.Context, site, target string) (*Moved, error) {
	if err := contract.CheckSiteName(site); err != nil {
		return nil, err
	}
	if err := contract.CheckMediaRoot(target); err != nil {
		return nil, err
	}
	if s.Media == nil {
		return nil, fmt.Errorf("this cluster has no media stores to move %s between", site)
	}
	asleep, err := s.asleep(ctx, site)
	if err != nil {
		return nil, err
	}
	if asleep {
		// Its marker carries the store's directory to the routers.
		return nil, contract.Errorf(contract.Invalid, "%s is asleep; wake it first (hostctl site wake %s)", site, site)
	}
	job, crons, err := s.Jobs.Current(ctx, site)
	if err != nil {
		return nil, err
	}
	from := deploy.PinnedMedia(job)
	if from == "" {
		return nil, contract.Errorf(contract.Invalid, "site %s has no media store: there is nothing to move, and Nomad may run it on any node", site)
	}
	if recorded, err := s.Media.Root(ctx, site); err != nil {
		return nil, err
	} else if recorded != "" && recorded != from {
		return nil, fmt.Errorf("%s runs pinned to %s but its media is recorded in %s; apply its spec first", site, from, recorded)
	}
	if from == target {
		return nil, contract.Errorf(contract.Invalid, "site %s is already on the node with store %s", site, target)
	}
	m := &moving{Service: s, site: site, from: from, to: target, job: job, crons: crons}
	if err := m.run(ctx); err != nil {
		return nil, m.undo(err)
	}
	return &m.Moved, nil
}

// moving is one Move in progress: how far it got decides what undo does.
type moving struct {
	*Service
	Moved
	site, from, to string
	job            *nomad.Job
	crons          []*nomad.Job
	copied         bool // the target holds a copy of ours: undo deletes it
	stopped        bool // the site may be down: undo starts it
	recorded       bool // the target is recorded: undo records the source
	cronsMoved     bool // the crons run on the target: undo moves them back
}

func (m *moving) run(ctx context.Context) error {
	m.Site, m.From, m.To = m.site, m.from, m.to
	for range 2 { // a full round, then what changed during it, while it serves
		if err := m.send(ctx); err != nil {
			return err
		}
	}
	m.stopped = true
	t0 := time.Now()
	if err := m.Jobs.Stop(ctx, m.job); err != nil {
		return err
	}
	if err := m.send(ctx); err != nil {
		return err
	}
	if err := m.Media.Promote(ctx, m.site, m.from, m.to); err != nil {
		return err
	}
	job, crons, err := m.repinned()
	if err != nil {
		return err
	}
	m.recorded = true
	if err := m.Media.Record(ctx, m.site, m.to); err != nil {
		return err
	}
	m.cronsMoved = true
	if err := m.Jobs.SyncCrons(ctx, m.site, crons, m.Out); err != nil {
		return err
	}
	// The job as registered, counts and all, pinned to the target.
	if err := m.Jobs.Deploy(ctx, job, m.Out); err != nil {
		return err
	}
	m.Downtime = time.Since(t0)
	fmt.Fprintf(m.Out, "%s: healthy on the node with store %s after %s down\n", m.site, m.to, m.Downtime.Round(time.Millisecond))
	if err := m.Media.Drop(ctx, m.site, m.from); err != nil {
		// The site is moved; only the old copy is left to clean up.
		fmt.Fprintf(m.Out, "%s: moved, but deleting its old store in %s failed: %v\n", m.site, m.from, err)
	}
	return nil
}

func (m *moving) send(ctx context.Context) error {
	sent, err := m.Media.Replicate(ctx, m.site, m.from, m.to)
	if err != nil {
		return err
	}
	m.copied = true
	m.Sends = append(m.Sends, sent)
	kind := "full"
	if sent.Parent != "" {
		kind = "incremental"
	}
	fmt.Fprintf(m.Out, "%s: sent %s (%s, %d bytes) in %s\n", m.site, sent.Snapshot, kind, sent.Bytes, sent.Took.Round(time.Millisecond))
	return nil
}

func (m *moving) repinned() (*nomad.Job, []*nomad.Job, error) {
	job, err := deploy.Repin(m.job, m.site, m.to)
	if err != nil {
		return nil, nil, err
	}
	crons := make([]*nomad.Job, len(m.crons))
	for i, c := range m.crons {
		if crons[i], err = deploy.Repin(c, m.site, m.to); err != nil {
			return nil, nil, err
		}
	}
	return job, crons, nil
}

// undo puts the site back where it was after a failed move and returns
// cause, with anything undo could not do joined to it. It runs on a fresh
// context: a move that failed by timing out must still start the site.
func (m *moving) undo(cause error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	errs := []error{fmt.Errorf("moving %s to %s: %w", m.site, m.to, cause)}
	if m.recorded {
		errs = append(errs, m.Media.Record(ctx, m.site, m.from))
	}
	if m.cronsMoved {
		errs = append(errs, m.Jobs.SyncCrons(ctx, m.site, m.crons, m.Out))
	}
	if m.stopped {
		err := m.Jobs.Deploy(ctx, m.job, m.Out)
		if err == nil {
			fmt.Fprintf(m.Out, "%s: running again on the node with store %s\n", m.site, m.from)
		}
		errs = append(errs, err)
	}
	if m.copied {
		// Only the source's files are the site's now; the copy goes, so
		// a later move starts clean. A target that held the site before
		// this move was refused before anything was copied, and is kept.
		errs = append(errs, m.Media.Drop(ctx, m.site, m.to))
	}
	return errors.Join(errs...)
}
