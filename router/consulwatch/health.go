package consulwatch

import (
	"context"

	consul "github.com/hashicorp/consul/api"
)

// failingFilter asks only for checks that are not passing. On a healthy
// cluster the answer is nearly empty however many sites there are, and a
// change costs one small response.
const failingFilter = `Status != "` + consul.HealthPassing + `"`

// watchHealth follows the set of failing checks across the whole cluster.
func (w *Watcher) watchHealth(ctx context.Context) {
	var index uint64
	b := newBackoff()
	for ctx.Err() == nil {
		checks, meta, err := w.Client.Health().State(consul.HealthAny, query(ctx, index, failingFilter))
		if err != nil {
			w.failed(ctx, "health", err, b)
			// Consul may come back restarted with a lower index, and a
			// blocking query on an index it has not reached would hang.
			index = 0
			continue
		}
		w.report(nil)
		b.reset()
		index = resetIndex(index, meta.LastIndex)
		failing := newFailing(checks)
		if ctx.Err() == nil {
			w.update(func(v *view) { v.setHealth(failing, meta.LastIndex) })
		}
	}
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
