package consulwatch

import (
	"context"

	consul "github.com/hashicorp/consul/api"

	"github.com/hostctl/hostctl/contract"
)

// failingFilter asks only for checks that are not passing. On a healthy
// cluster the answer is nearly empty however many sites there are, and a
// change costs one small response. The sleep markers' checks are never
// passing (they say "asleep" in the UI) and never route anything, so they
// stay out: with them, every sleeping site was in every answer.
const failingFilter = `Status != "` + consul.HealthPassing + `" and Node != "` + contract.SleepNode + `"`

// watchHealth follows the set of failing checks across the whole cluster.
func (w *Watcher) watchHealth(ctx context.Context) {
	state := func(q *consul.QueryOptions) (consul.HealthChecks, *consul.QueryMeta, error) {
		return w.active().Health().State(consul.HealthAny, q)
	}
	follow(ctx, w, "health", failingFilter, state, func(checks consul.HealthChecks, index uint64) {
		failing := newFailing(checks)
		w.update(func(v *view) { v.setHealth(failing, index) })
	})
}

// failing is the set of instances and nodes with a check that is not
// passing.
type failing struct {
	nodes     map[string]bool
	instances map[instanceKey]bool
}

type instanceKey struct{ node, id string }

func newFailing(checks consul.HealthChecks) failing {
	f := failing{nodes: map[string]bool{}, instances: map[instanceKey]bool{}}
	for _, c := range checks {
		if c.Status == consul.HealthPassing {
			continue
		}
		if c.ServiceID == "" {
			f.nodes[c.Node] = true
		} else {
			f.instances[instanceKey{c.Node, c.ServiceID}] = true
		}
	}
	return f
}
