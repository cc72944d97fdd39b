package router

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	consul "github.com/hashicorp/consul/api"
	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/router/proxy"
	"github.com/hostctl/hostctl/sleep"
)

// SleepConfig is this router's part in sleeping sites (see package sleep):
// waking them, publishing which sites it saw traffic for, and optionally
// running the one Sleeper that puts idle sites to sleep.
type SleepConfig struct {
	// NomadAddr is Nomad's API; empty takes NOMAD_ADDR. With neither, this
	// router cannot wake sites: it keeps routing their domains and
	// answers 503 saying so.
	NomadAddr string
	// NomadTokenFile holds the router's Nomad token (it needs to read and
	// scale site jobs); empty takes NOMAD_TOKEN.
	NomadTokenFile string
	// RouterID names this router in the activity it publishes; default
	// "<hostname>-<listen address>". No '/'.
	RouterID string
	// Wake bounds waking (timeout, queues, rate); zero values take the
	// proxy's defaults.
	Wake proxy.WakeConfig
	// ActivityInterval is how often the sites seen are published to
	// Consul (default 5 s; negative: never). It needs only Consul, so a
	// router that cannot wake sites still keeps busy ones awake.
	ActivityInterval time.Duration
	// Sleeper runs the Sleeper here too (leader-elected through Consul,
	// so any number of routers may): needs Nomad.
	Sleeper bool
}

// sleeping is SleepConfig resolved to clients.
type sleeping struct {
	cfg    SleepConfig
	client *sleep.Client // nil: no Nomad, cannot wake
	consul *consul.Client
	log    *slog.Logger
}

func newSleeping(cfg SleepConfig, listen string, cc *consul.Client, log *slog.Logger) (*sleeping, error) {
	if cfg.ActivityInterval == 0 {
		cfg.ActivityInterval = sleep.DefaultInterval
	}
	if cfg.RouterID == "" {
		host, _ := os.Hostname()
		cfg.RouterID = host + "-" + listen
	}
	if strings.Contains(cfg.RouterID, "/") || cfg.RouterID == "" {
		return nil, fmt.Errorf("router id %q: must be non-empty, without '/'", cfg.RouterID)
	}
	s := &sleeping{cfg: cfg, consul: cc, log: log}
	nc, err := nomadClient(cfg.NomadAddr, cfg.NomadTokenFile)
	if err != nil {
		return nil, err
	}
	if nc != nil {
		s.client = &sleep.Client{Nomad: nc, Consul: cc}
	}
	if cfg.Sleeper && nc == nil {
		return nil, errors.New("the sleeper needs Nomad: set the Nomad address (NOMAD_ADDR)")
	}
	return s, nil
}

// nomadClient is nil when no Nomad address is configured.
func nomadClient(addr, tokenFile string) (*nomad.Client, error) {
	c, err := nomadConfig(addr, tokenFile)
	if c == nil || err != nil {
		return nil, err
	}
	return nomad.NewClient(c)
}

// nomadConfig starts from Nomad's DefaultConfig, so NOMAD_TOKEN and the
// TLS variables are honoured as by the nomad CLI; the token file, read
// once here, wins over NOMAD_TOKEN.
func nomadConfig(addr, tokenFile string) (*nomad.Config, error) {
	c := nomad.DefaultConfig()
	if addr == "" {
		addr = os.Getenv("NOMAD_ADDR")
	}
	if addr == "" {
		return nil, nil
	}
	c.Address = addr
	if tokenFile != "" {
		b, err := os.ReadFile(tokenFile)
		if err != nil {
			return nil, fmt.Errorf("nomad token: %w", err)
		}
		c.SecretID = strings.TrimSpace(string(b))
	}
	return c, nil
}

// waker is what the proxy wakes sites with; nil when it cannot.
func (s *sleeping) waker() proxy.Waker {
	if s.client == nil {
		return nil
	}
	return waker{s.client}
}

// waker adapts sleep.Client to the proxy. A site another router has
// already woken (its marker gone before this router's table showed it) is
// not a failure: its instances are on their way, and the proxy waits for
// them.
type waker struct{ *sleep.Client }

func (w waker) Wake(ctx context.Context, site string) (bool, error) {
	started, err := w.Client.Wake(ctx, site)
	if errors.Is(err, sleep.ErrNotAsleep) {
		return false, nil
	}
	return started, err
}

// run publishes activity and, if configured, runs the Sleeper, until ctx
// ends. Neither stops the router when Consul or Nomad fail: they log and
// carry on.
// It returns once both are done (the Sleeper has released its lock).
func (s *sleeping) run(ctx context.Context, px *proxy.Proxy) {
	var wg sync.WaitGroup
	if s.cfg.Sleeper {
		wg.Go(func() {
			sl := &sleep.Sleeper{Client: *s.client, Log: s.log}
			if err := sl.Run(ctx); err != nil {
				s.log.Error("sleeper stopped", "err", err)
			}
		})
	}
	if s.cfg.ActivityInterval > 0 {
		wg.Go(func() { s.publishLoop(ctx, px) })
	}
	wg.Wait()
}

// maxPublishRetries is how many intervals a failed publish's sites are
// carried over.
const maxPublishRetries = 3

// publishLoop sends the proxy's activity to Consul every interval. What a
// failed publish held is kept (the latest time per site) for the next.
func (s *sleeping) publishLoop(ctx context.Context, px *proxy.Proxy) {
	t := time.NewTicker(s.cfg.ActivityInterval)
	defer t.Stop()
	pending := map[string]time.Time{}
	lastErr, failures := "", 0
	publish := func(ctx context.Context) {
		for site, at := range px.TakeActivity() {
			if at.After(pending[site]) {
				pending[site] = at
			}
		}
		if len(pending) == 0 {
			return
		}
		err := sleep.PublishActivity(ctx, s.consul, s.cfg.RouterID, pending)
		if err == nil {
			clear(pending)
			lastErr, failures = "", 0
			return
		}
		// Once per distinct error, not every interval.
		if err.Error() != lastErr {
			s.log.Warn("publishing site activity", "err", err, "sites", len(pending))
			lastErr = err.Error()
		}
		// An error may be one bad name among good ones (PublishActivity
		// writes the rest): do not carry the set forever.
		if failures++; failures >= maxPublishRetries {
			clear(pending)
			failures = 0
		}
	}
	for {
		select {
		case <-ctx.Done():
			// The last interval's traffic, so a router restarting does not
			// make its sites look idle.
			fctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			publish(fctx)
			cancel()
			return
		case <-t.C:
			publish(ctx)
		}
	}
}
