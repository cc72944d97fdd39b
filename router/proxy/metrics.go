package proxy

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the proxy's Prometheus series, per site.
type Metrics struct {
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	bytesIn   *prometheus.CounterVec
	bytesOut  *prometheus.CounterVec
	upErrors  *prometheus.CounterVec
	retries   *prometheus.CounterVec
	perSite   sync.Map // site -> *siteMetrics
	Ejections prometheus.Counter
	wake      *wakeMetrics
}

// siteMetrics caches one site's series: looking a series up by label
// values hashes them under a lock, which is too slow per request.
type siteMetrics struct {
	duration                             prometheus.Observer
	bytesIn, bytesOut, upErrors, retries prometheus.Counter
	codes                                sync.Map // int -> prometheus.Counter
	requests                             *prometheus.CounterVec
	site                                 string
}

// NewMetrics registers the proxy's series with reg (none if reg is nil).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hostctl_router_requests_total",
			Help: "Requests answered, by site and status code."}, []string{"site", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "hostctl_router_request_duration_seconds",
			Help:    "Time from the request head to the end of the response, by site.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"site"}),
		bytesIn: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hostctl_router_request_bytes_total",
			Help: "Request body bytes forwarded, by site."}, []string{"site"}),
		bytesOut: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hostctl_router_response_bytes_total",
			Help: "Response bytes sent to clients, by site."}, []string{"site"}),
		upErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hostctl_router_upstream_errors_total",
			Help: "Requests that failed at an instance (connection refused or lost, bad response), by site."}, []string{"site"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hostctl_router_retries_total",
			Help: "Requests sent to another instance after a failure that cannot have reached the first, by site."}, []string{"site"}),
		Ejections: prometheus.NewCounter(prometheus.CounterOpts{Name: "hostctl_router_ejections_total",
			Help: "Times an instance was taken out of rotation after connection failures."}),
		wake: newWakeMetrics(),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.duration, m.bytesIn, m.bytesOut, m.upErrors, m.retries, m.Ejections)
		reg.MustRegister(m.wake.collectors()...)
	}
	return m
}

func (m *Metrics) site(name string) *siteMetrics {
	if s, ok := m.perSite.Load(name); ok {
		return s.(*siteMetrics)
	}
	s := &siteMetrics{site: name, requests: m.requests,
		duration: m.duration.WithLabelValues(name), bytesIn: m.bytesIn.WithLabelValues(name),
		bytesOut: m.bytesOut.WithLabelValues(name), upErrors: m.upErrors.WithLabelValues(name),
		retries: m.retries.WithLabelValues(name)}
	v, _ := m.perSite.LoadOrStore(name, s)
	return v.(*siteMetrics)
}

// Forget drops the series of sites no longer routed.
func (m *Metrics) Forget(keep map[string]bool) {
	m.perSite.Range(func(k, _ any) bool {
		name := k.(string)
		if !keep[name] {
			m.perSite.Delete(name)
			for _, v := range []interface {
				DeletePartialMatch(prometheus.Labels) int
			}{m.requests, m.duration, m.bytesIn, m.bytesOut, m.upErrors, m.retries} {
				v.DeletePartialMatch(prometheus.Labels{"site": name})
			}
		}
		return true
	})
}

func (s *siteMetrics) code(c int) prometheus.Counter {
	if v, ok := s.codes.Load(c); ok {
		return v.(prometheus.Counter)
	}
	v, _ := s.codes.LoadOrStore(c, s.requests.WithLabelValues(s.site, strconv.Itoa(c)))
	return v.(prometheus.Counter)
}

func (p *Proxy) observe(site string, status int, d time.Duration, in, out int64, retries int, upstreamErr bool) {
	s := p.cfg.Metrics.site(site)
	s.code(status).Inc()
	s.duration.Observe(d.Seconds())
	if in > 0 {
		s.bytesIn.Add(float64(in))
	}
	s.bytesOut.Add(float64(out))
	if retries > 0 {
		s.retries.Add(float64(retries))
	}
	if upstreamErr {
		s.upErrors.Inc()
	}
}
