package router

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	consul "github.com/hashicorp/consul/api"
	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
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
	// NomadTokenFromConsul reads the token from Consul KV instead
	// (contract.RouterNomadTokenKey, which `hostctl cluster bootstrap`
	// writes and only the router's Consul token reads): Nomad makes the
	// token at the bootstrap, after the routers started, so there is no
	// file to hand them. Until the key exists wakes answer 503.
	NomadTokenFromConsul bool
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
	cfg SleepConfig
	// nomad is set when this router can wake sites; client is the sleep
	// client once its Nomad token is known (at once, or from Consul).
	nomad  *nomad.Config
	client atomic.Pointer[sleep.Client]
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
	if cfg.NomadTokenFromConsul && cfg.NomadTokenFile != "" {
		return nil, errors.New("the router's Nomad token comes from a file or from Consul, not both")
	}
	nc, err := nomadConfig(cfg.NomadAddr, cfg.NomadTokenFile)
	if err != nil {
		return nil, err
	}
	if cfg.Sleeper && nc == nil {
		return nil, errors.New("the sleeper needs Nomad: set the Nomad address (NOMAD_ADDR)")
	}
	s.nomad = nc
	if nc != nil && !cfg.NomadTokenFromConsul {
		if err := s.useToken(nc.SecretID); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// useToken makes the sleep client with the router's Nomad token.
func (s *sleeping) useToken(token string) error {
	c := *s.nomad
	c.SecretID = token
	nc, err := nomad.NewClient(&c)
	if err != nil {
		return err
	}
	s.client.Store(&sleep.Client{Nomad: nc, Consul: s.consul})
	return nil
}

// tokenFromConsul waits (a blocking query at a time) until the router's
// Nomad token is in Consul KV, and uses it.
func (s *sleeping) tokenFromConsul(ctx context.Context) bool {
	var index uint64
	logged := false
	for {
		q := (&consul.QueryOptions{WaitIndex: index, WaitTime: time.Minute}).WithContext(ctx)
		kv, meta, err := s.consul.KV().Get(contract.RouterNomadTokenKey, q)
		switch {
		case ctx.Err() != nil:
			return false
		case err != nil:
			s.log.Warn("reading the router's Nomad token from Consul", "err", err)
			select {
			case <-ctx.Done():
				return false
			case <-time.After(5 * time.Second):
			}
			continue
		case kv != nil && len(kv.Value) > 0:
			if err := s.useToken(strings.TrimSpace(string(kv.Value))); err != nil {
				s.log.Error("the router's Nomad client", "err", err)
				return false
			}
			s.log.Info("the router's Nomad token came from Consul; it can wake sites")
			return true
		}
		if !logged {
			s.log.Warn("no Nomad token in Consul yet (hostctl cluster bootstrap writes it): sleeping sites answer 503 until then", "key", contract.RouterNomadTokenKey)
			logged = true
		}
		index = meta.LastIndex
	}
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
	if s.nomad == nil {
		return nil
	}
	return waker{s}
}

// waker adapts sleep.Client to the proxy. A site another router has
// already woken (its marker gone before this router's table showed it) is
// not a failure: its instances are on their way, and the proxy waits for
// them.
type waker struct{ s *sleeping }

func (w waker) Wake(ctx context.Context, site string) (bool, error) {
	c, err := w.s.sleepClient()
	if err != nil {
		return false, err
	}
	started, err := c.Wake(ctx, site)
	if errors.Is(err, sleep.ErrNotAsleep) {
		return false, nil
	}
	return started, err
}

func (w waker) Awake(ctx context.Context, site string) error {
	c, err := w.s.sleepClient()
	if err != nil {
		return err
	}
	return c.Awake(ctx, site)
}

func (w waker) WakeFailed(ctx context.Context, site, reason string) error {
	c, err := w.s.sleepClient()
	if err != nil {
		return err
	}
	return c.WakeFailed(ctx, site, reason)
}

func (s *sleeping) sleepClient() (*sleep.Client, error) {
	if c := s.client.Load(); c != nil {
		return c, nil
	}
	return nil, errors.New("this router has no Nomad token yet")
}

// run publishes activity and, if configured, runs the Sleeper, until ctx
// ends. Neither stops the router when Consul or Nomad fail: they log and
// carry on.
// It returns once both are done (the Sleeper has released its lock).
func (s *sleeping) run(ctx context.Context, px *proxy.Proxy) {
	var wg sync.WaitGroup
	if s.cfg.Sleeper {
		wg.Go(func() {
			if s.client.Load() == nil && !s.tokenFromConsul(ctx) {
				return
			}
			sl := &sleep.Sleeper{Client: *s.client.Load(), Log: s.log}
			if err := sl.Run(ctx); err != nil {
				s.log.Error("sleeper stopped", "err", err)
			}
		})
	}
	if !s.cfg.Sleeper && s.nomad != nil && s.client.Load() == nil {
		wg.Go(func() { s.tokenFromConsul(ctx) })
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
