// Package consulwatch feeds the router's route table from Consul. It is the
// only router package that imports Consul's types; what leaves it is plain
// []routes.Site.
//
// The number of open queries does not grow with the number of sites. It
// holds one blocking query on the node list, one per node on that node's
// hostctl services (address, port, meta), and one on the checks that are
// not passing. An instance is routed when it is registered and none of its
// own or its node's checks fails. A health change at 10,000 sites therefore
// wakes one query whose answer lists only the failing checks, instead of
// one of 10,000 per-site queries.
package consulwatch

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	consul "github.com/hashicorp/consul/api"

	"github.com/hostctl/hostctl/router/routes"
)

// Watcher keeps a live view of hostctl services and calls Publish with the
// whole set of sites after every change.
type Watcher struct {
	Client *consul.Client
	// Fallbacks are other Consul agents (other nodes', the servers) the
	// watcher follows when the one it asks stops answering: a router whose
	// node's agent died keeps learning of deploys and health changes
	// instead of routing to instances that are gone. Each failed query
	// moves every watch on to the next agent, round the list.
	Fallbacks []*consul.Client
	Publish   func([]routes.Site)
	// Health is told when Consul answers and when it fails, so the router
	// can say in /healthz that it is serving a stale table.
	Health func(err error)
	Log    *slog.Logger
	// Settle batches changes that arrive together (a deploy touches several
	// instances at once) into one table rebuild.
	Settle time.Duration
	// Ports is where instances may listen (see view.trusted); the zero
	// value means DefaultBackendPorts.
	Ports PortRange
	// QueryGap is the least time between the starts of two queries of
	// one watch (0: DefaultQueryGap; negative: none). A burst of changes
	// is then fetched once per gap rather than once per change: the
	// marker node's services are every sleeping site, and registering
	// 1,000 of them re-read all of them 1,000 times (the router and
	// Consul each took most of a core at 3,000 sleeping sites).
	QueryGap time.Duration

	// agent is the index, round Client and Fallbacks, of the agent asked.
	agent atomic.Int64

	mu    sync.Mutex
	view  view
	dirty chan struct{}
	// sleep waits out a backoff; nil is a real timer. Tests record it.
	sleep func(ctx context.Context, d time.Duration)
}

// WaitTime is how long one blocking query may wait for a change.
const WaitTime = 5 * time.Minute

// DefaultQueryGap bounds each watch to 5 fetches a second.
const DefaultQueryGap = 200 * time.Millisecond

// Run watches until ctx ends. It never returns early on Consul errors: it
// backs off and retries, and the router keeps its last table meanwhile.
func (w *Watcher) Run(ctx context.Context) error {
	w.view = newView()
	if w.QueryGap == 0 {
		w.QueryGap = DefaultQueryGap
	}
	if w.Ports != (PortRange{}) {
		w.view.ports = w.Ports
	}
	w.dirty = make(chan struct{}, 1)
	if w.Log == nil {
		w.Log = slog.Default()
	}
	go w.publishLoop(ctx)
	go w.watchHealth(ctx)
	w.watchNodes(ctx)
	return ctx.Err()
}

func (w *Watcher) update(f func(v *view)) {
	w.mu.Lock()
	f(&w.view)
	w.mu.Unlock()
	select {
	case w.dirty <- struct{}{}:
	default:
	}
}

func (w *Watcher) publishLoop(ctx context.Context) {
	var lastIgnored []string
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.dirty:
		}
		if w.Settle > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(w.Settle):
			}
		}
		w.mu.Lock()
		sites, ready := w.view.sites()
		ignored := slices.Clone(w.view.ignored)
		w.mu.Unlock()
		if !slices.Equal(ignored, lastIgnored) {
			if len(ignored) > 0 {
				w.Log.Warn("not routing instances registered outside Nomad's port range or off their node's address", "instances", ignored)
			}
			lastIgnored = ignored
		}
		// Until every node and the health query have answered once, a table
		// would route some sites with too few instances, or none.
		if ready {
			w.Publish(sites)
		}
	}
}

// active is the agent the watches ask now.
func (w *Watcher) active() *consul.Client {
	i := w.agent.Load() % int64(len(w.Fallbacks)+1)
	if i == 0 {
		return w.Client
	}
	return w.Fallbacks[i-1]
}

// failover moves on from agent from, once however many watches saw it
// fail at the same time.
func (w *Watcher) failover(from int64) {
	if len(w.Fallbacks) == 0 || !w.agent.CompareAndSwap(from, from+1) {
		return
	}
	w.Log.Warn("consul agent not answering; following the next one", "agent", (from+1)%int64(len(w.Fallbacks)+1))
}
