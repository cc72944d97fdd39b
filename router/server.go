// Package router runs hostctl's front door: it watches Consul for hostctl
// sites, keeps a route table, and proxies requests by Host header to
// healthy instances. Its own status (/healthz, /metrics) lives on a
// separate admin listener so no site path is ever shadowed.
package router

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	consul "github.com/hashicorp/consul/api"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hostctl/hostctl/router/consulwatch"
	"github.com/hostctl/hostctl/router/proxy"
	"github.com/hostctl/hostctl/router/routes"
)

// Config is what `hostctl router run` takes.
type Config struct {
	Listen      string // site traffic, plain HTTP
	AdminListen string // /healthz, /metrics and, with Pprof, /debug/pprof/
	// ConsulAddr overrides the address from Consul's own environment
	// (CONSUL_HTTP_ADDR); empty keeps it.
	ConsulAddr string
	// ConsulFallbacks are other agents' addresses the route table is
	// followed through when ConsulAddr's agent stops answering (same
	// token and TLS settings).
	ConsulFallbacks []string
	Log             *slog.Logger
	// AccessLog gets one JSON line per request; nil for none.
	AccessLog io.Writer
	TLS       TLSConfig
	// DrainTimeout bounds the graceful shutdown.
	DrainTimeout time.Duration
	// StaticRoots are the only places static and media dirs are served
	// from: a site's dir must be <root>/<site>/... or
	// <root>/sites/<site>/... (see routes.ConfineStatic). None: no static
	// dirs at all.
	StaticRoots []string
	// AdminToken, when set, is required as "Authorization: Bearer <token>"
	// on /metrics and pprof: sites share the node with the admin listener,
	// and the metrics name every site.
	AdminToken string
	// Pprof serves /debug/pprof/ on the admin listener.
	Pprof bool
	// BackendPorts is Nomad's dynamic port range: instances registered on
	// another port (or another address than their node's) are never
	// routed. Zero: Nomad's default, 20000-32000.
	BackendPorts consulwatch.PortRange
	// Sleep is sleeping sites: waking them (with Nomad), publishing
	// activity, the Sleeper.
	Sleep SleepConfig
}

// Run serves until ctx ends, then drains in-flight requests.
func Run(ctx context.Context, cfg Config) error {
	log := cfg.Log
	if cfg.DrainTimeout == 0 {
		cfg.DrainTimeout = 15 * time.Second
	}
	if err := routes.CheckStaticRoots(cfg.StaticRoots); err != nil {
		return err
	}
	cc, ccfg, err := consulClient(cfg.ConsulAddr)
	if err != nil {
		return err
	}
	var fallbacks []*consul.Client
	for _, addr := range cfg.ConsulFallbacks {
		fc, _, err := consulClient(addr)
		if err != nil {
			return fmt.Errorf("--consul-fallback %s: %w", addr, err)
		}
		fallbacks = append(fallbacks, fc)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := proxy.NewMetrics(reg)
	store := routes.NewStore()
	st := &state{}
	tableSites := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "hostctl_router_sites",
		Help: "Sites in the route table."}, func() float64 { return float64(store.Load().Sites()) })
	reg.MustRegister(tableSites)

	tlsCfg, err := cfg.TLS.build(ctx, cc, store, log)
	if err != nil {
		return err
	}
	httpsPort := ""
	if tlsCfg != nil {
		_, httpsPort, _ = net.SplitHostPort(cfg.TLS.Listen)
	}
	sl, err := newSleeping(cfg.Sleep, cfg.Listen, cc, log)
	if err != nil {
		return err
	}
	px := proxy.New(store, proxy.Config{Log: log, Metrics: metrics, AccessLog: cfg.AccessLog, HTTPSPort: httpsPort,
		Waker: sl.waker(), Wake: cfg.Sleep.Wake})
	static := &staticConfiner{roots: cfg.StaticRoots, log: log}
	w := &consulwatch.Watcher{
		Client:    cc,
		Fallbacks: fallbacks,
		Log:       log,
		Ports:     cfg.BackendPorts,
		Settle:    20 * time.Millisecond,
		Health:    st.consulResult,
		Publish: func(sites []routes.Site) {
			sites = static.confine(sites)
			// The previous table decides contested hosts: a host never
			// moves from its owner to a newcomer.
			tbl, errs := routes.Build(sites, store.Load())
			for _, e := range errs {
				log.Warn("route conflict", "err", e)
			}
			store.Publish(tbl)
			px.Published(tbl)
			keep := map[string]bool{}
			for _, s := range sites {
				keep[s.Name] = true
			}
			metrics.Forget(keep)
			st.published(tbl.Sites())
			log.Info("route table published", "sites", tbl.Sites())
		},
	}
	adminMux := st.adminMux(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), cfg.AdminToken, cfg.Pprof)
	admin := &http.Server{Handler: adminMux, ReadHeaderTimeout: 5 * time.Second}

	var lns []net.Listener
	listen := func(addr string) (net.Listener, error) {
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			lns = append(lns, ln)
		}
		return ln, err
	}
	closeAll := func() {
		for _, ln := range lns {
			ln.Close()
		}
	}
	siteLn, err := listen(cfg.Listen)
	if err != nil {
		return err
	}
	adminLn, err := listen(cfg.AdminListen)
	if err != nil {
		closeAll()
		return err
	}
	var tlsSrv *http.Server
	var tlsLn net.Listener
	if tlsCfg != nil {
		if tlsLn, err = listen(cfg.TLS.Listen); err != nil {
			closeAll()
			return err
		}
		tlsSrv = &http.Server{Handler: px.Handler(true), TLSConfig: tlsCfg, ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout: 75 * time.Second, MaxHeaderBytes: 64 << 10,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	}
	log.Info("router listening", "sites", siteLn.Addr().String(), "admin", adminLn.Addr().String(),
		"tls", cfg.TLS.Listen, "consul", ccfg.Address, "static_roots", cfg.StaticRoots,
		"admin_token", cfg.AdminToken != "", "pprof", cfg.Pprof,
		"wake_sites", sl.nomad != nil, "nomad_token_from_consul", cfg.Sleep.NomadTokenFromConsul, "sleeper", cfg.Sleep.Sleeper, "router_id", sl.cfg.RouterID)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 4)
	go func() { errc <- w.Run(ctx) }()
	sleepDone := make(chan struct{})
	go func() { sl.run(ctx, px); close(sleepDone) }()
	go func() { errc <- px.Serve(siteLn) }()
	go func() { errc <- admin.Serve(adminLn) }()
	if tlsSrv != nil {
		go func() { errc <- tlsSrv.ServeTLS(tlsLn, "", "") }()
	}

	select {
	case <-ctx.Done():
	case err = <-errc:
		log.Error("router component stopped", "err", err)
	}
	log.Info("draining", "timeout", cfg.DrainTimeout)
	shutdownCtx, done := context.WithTimeout(context.Background(), cfg.DrainTimeout)
	defer done()
	// Stop accepting first, then let in-flight requests finish.
	siteLn.Close()
	errs := []error{px.Shutdown(shutdownCtx)}
	if tlsSrv != nil {
		errs = append(errs, tlsSrv.Shutdown(shutdownCtx))
	}
	errs = append(errs, admin.Shutdown(shutdownCtx))
	closeAll()
	cancel()
	<-sleepDone // its last activity publish
	log.Info("drained")
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return errors.Join(errs...)
}

// consulConfig starts from Consul's DefaultConfig so CONSUL_HTTP_TOKEN,
// CONSUL_HTTP_TOKEN_FILE, CONSUL_HTTP_SSL, CONSUL_CACERT and the rest are
// honoured, as by the consul CLI (production hands the router its token
// as a file); only the address is the flag's, and only when set.
func consulConfig(addr string) *consul.Config {
	c := consul.DefaultConfig()
	if addr != "" {
		c.Address = addr
	}
	return c
}

// consulClient is the router's one Consul client: the watcher and the
// ACME certificate cache (TLSConfig.build) both use it, so both carry the
// same token and TLS settings. The token file is read here, once.
func consulClient(addr string) (*consul.Client, *consul.Config, error) {
	c := consulConfig(addr)
	cc, err := consul.NewClient(c)
	return cc, c, err
}

// staticConfiner drops the static dirs that are not their site's own
// (routes.ConfineStatic) before a table is built, and logs each refusal
// once, when it appears, rather than on every rebuild.
type staticConfiner struct {
	roots  []string
	log    *slog.Logger
	logged map[string]bool
}

func (c *staticConfiner) confine(sites []routes.Site) []routes.Site {
	out := make([]routes.Site, len(sites))
	now := map[string]bool{}
	for i, s := range sites {
		kept, dropped := routes.ConfineStatic(s.Name, s.Static, c.roots)
		s.Static = kept
		out[i] = s
		for _, e := range dropped {
			msg := e.Error()
			now[msg] = true
			if !c.logged[msg] {
				c.log.Warn("static dir refused", "err", msg)
			}
		}
	}
	c.logged = now
	return out
}
