// Package router runs hostctl's front door: it watches Consul for hostctl
// sites, keeps a route table, and proxies requests by Host header to
// healthy instances. Its own status (/healthz, /metrics) lives on a
// separate admin listener so no site path is ever shadowed.
package router

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
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
	AdminListen string // /healthz and /metrics
	ConsulAddr  string
	Log         *slog.Logger
	// AccessLog gets one JSON line per request; nil for none.
	AccessLog io.Writer
	TLS       TLSConfig
	// DrainTimeout bounds the graceful shutdown.
	DrainTimeout time.Duration
}

// Run serves until ctx ends, then drains in-flight requests.
func Run(ctx context.Context, cfg Config) error {
	log := cfg.Log
	if cfg.DrainTimeout == 0 {
		cfg.DrainTimeout = 15 * time.Second
	}
	cc, err := consul.NewClient(&consul.Config{Address: cfg.ConsulAddr, Scheme: "http"})
	if err != nil {
		return err
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
	px := proxy.New(store, proxy.Config{Log: log, Metrics: metrics, AccessLog: cfg.AccessLog, HTTPSPort: httpsPort})
	w := &consulwatch.Watcher{
		Client: cc,
		Log:    log,
		Settle: 20 * time.Millisecond,
		Health: st.consulResult,
		Publish: func(sites []routes.Site) {
			tbl, errs := routes.Build(sites)
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
	adminMux := st.adminMux()
	adminMux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	// Profiles on the admin listener (loopback in the dev cluster): how the
	// proxy's hot path was found, and how to find the next one.
	adminMux.HandleFunc("GET /debug/pprof/", pprof.Index)
	adminMux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
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
		"tls", cfg.TLS.Listen, "consul", cfg.ConsulAddr)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 4)
	go func() { errc <- w.Run(ctx) }()
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
	log.Info("drained")
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return errors.Join(errs...)
}
