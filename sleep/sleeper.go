package sleep

import (
	"context"
	"errors"
	"log/slog"
	"time"

	consul "github.com/hashicorp/consul/api"
	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
)

// DefaultInterval is how often the Sleeper looks for idle sites.
const DefaultInterval = 5 * time.Second

// lockWait bounds each blocking wait for the lock, and so how long Run
// takes to return once its context ends while another holds the lock.
const lockWait = 5 * time.Second

// Sleeper puts idle sites to sleep. Every router runs one; the holder of
// the Consul lock contract.SleeperLock is the only one that acts, so two
// never race to sleep the same site.
type Sleeper struct {
	Client   Client
	Interval time.Duration    // 0: DefaultInterval
	Log      *slog.Logger     // nil: slog.Default()
	Now      func() time.Time // nil: time.Now

	// off holds the sites found off (web at zero) and the job version
	// they were off at, so that they cost a read again only once changed.
	off map[string]uint64
}

// Run contends for the lock until ctx ends, and while it holds it puts
// idle sites to sleep every Interval. Losing the lock (a Consul outage, an
// expired session) stops it acting until it holds the lock again. It
// releases the lock and returns nil when ctx ends.
func (s *Sleeper) Run(ctx context.Context) error {
	lock, err := s.Client.Consul.LockOpts(&consul.LockOptions{
		Key:          contract.SleeperLock,
		SessionName:  "hostctl sleeper",
		LockWaitTime: lockWait,
		// Rides out a Consul leader election instead of giving the lock up.
		MonitorRetries: 3,
	})
	if err != nil {
		return err
	}
	for ctx.Err() == nil {
		lost, err := lock.Lock(ctx.Done())
		if err != nil {
			s.log().Warn("sleeper: cannot take the lock", "err", err)
			s.pause(ctx)
			continue
		}
		if lost == nil { // ctx ended
			break
		}
		s.log().Info("sleeper: holding the lock; putting idle sites to sleep")
		s.lead(ctx, lost)
		// Also after a loss: it resets the lock for the next Lock and
		// ends the session's renewal.
		if err := lock.Unlock(); err != nil && !errors.Is(err, consul.ErrLockNotHeld) && ctx.Err() == nil {
			s.log().Warn("sleeper: releasing the lock", "err", err)
		}
		if ctx.Err() == nil {
			s.log().Warn("sleeper: lost the lock")
			s.pause(ctx)
		}
	}
	return nil
}

// lead ticks until ctx ends or the lock is lost; a tick in progress is
// cancelled by either.
func (s *Sleeper) lead(ctx context.Context, lost <-chan struct{}) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-lost:
			cancel()
		case <-ctx.Done():
		}
	}()
	t := time.NewTicker(s.interval())
	defer t.Stop()
	for {
		if err := s.tick(ctx); err != nil && ctx.Err() == nil {
			s.log().Warn("sleeper: tick failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// tick puts every idle site to sleep, reading the cluster once: the
// markers, the job listing and the activity keys, whatever the number of
// sites; only the sites it puts to sleep cost requests of their own.
func (s *Sleeper) tick(ctx context.Context) error {
	asleep, err := s.Client.Asleep(ctx)
	if err != nil && asleep == nil {
		return err
	}
	jobs, _, err := s.Client.Nomad.Jobs().ListOptions(&nomad.JobListOptions{Fields: &nomad.JobListFields{Meta: true}},
		(&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return err
	}
	seen, err := activity(ctx, s.Client.Consul)
	if err != nil {
		return err
	}
	now := s.now()
	var sleptSites []string
	var errs []error
	if s.off == nil {
		s.off = map[string]uint64{}
	}
	index := map[string]uint64{}
	for _, j := range jobs {
		index[j.ID] = j.JobModifyIndex
	}
	for _, c := range dueToSleep(now, jobs, asleep, seen, s.off) {
		o, err := s.Client.sleep(ctx, c.Site, true)
		switch {
		case err != nil:
			errs = append(errs, err)
		case o == isOff:
			s.off[c.Site] = index[c.Site]
		case o == didSleep:
			s.log().Info("site asleep", "site", c.Site, "idle", now.Sub(c.Last).Round(time.Second), "sleep_after", c.SleepAfter)
			sleptSites = append(sleptSites, c.Site)
		}
	}
	return errors.Join(append(errs, forgetActivity(ctx, s.Client.Consul, sleptSites))...)
}

// pause waits an interval before trying the lock again, so a Consul that
// refuses does not get asked in a tight loop.
func (s *Sleeper) pause(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-time.After(s.interval()):
	}
}

func (s *Sleeper) interval() time.Duration {
	if s.Interval <= 0 {
		return DefaultInterval
	}
	return s.Interval
}

func (s *Sleeper) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

func (s *Sleeper) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}
