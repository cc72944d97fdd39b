package proxy

import "github.com/prometheus/client_golang/prometheus"

// wakeMetrics are router-wide, not per site: wakes are rare, and a label
// per site would only repeat the per-site request series.
type wakeMetrics struct {
	started    prometheus.Counter
	failed     prometheus.Counter
	latency    prometheus.Histogram
	waiting    prometheus.Gauge
	rejections *prometheus.CounterVec
}

func newWakeMetrics() *wakeMetrics {
	return &wakeMetrics{
		started: prometheus.NewCounter(prometheus.CounterOpts{Name: "hostctl_router_wakes_total",
			Help: "Wakes of sleeping sites this router started."}),
		failed: prometheus.NewCounter(prometheus.CounterOpts{Name: "hostctl_router_wake_failures_total",
			Help: "Wakes that failed: the site could not be started, or no instance accepted in time."}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "hostctl_router_wake_duration_seconds",
			Help:    "Time from a wake's first request to an instance accepting a connection.",
			Buckets: []float64{.1, .25, .5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 60}}),
		waiting: prometheus.NewGauge(prometheus.GaugeOpts{Name: "hostctl_router_wake_waiting_requests",
			Help: "Requests waiting for a site to wake."}),
		rejections: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hostctl_router_wake_rejections_total",
			Help: "Requests for a sleeping site answered 503 at once, by reason (site_queue, total_queue, rate, cannot_wake)."},
			[]string{"reason"}),
	}
}

func (m *wakeMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.started, m.failed, m.latency, m.waiting, m.rejections}
}

func (m *wakeMetrics) rejected(reason string) { m.rejections.WithLabelValues(reason).Inc() }
