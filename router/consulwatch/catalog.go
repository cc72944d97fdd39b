package consulwatch

import (
	"context"

	consul "github.com/hashicorp/consul/api"

	"github.com/hostctl/hostctl/contract"
)

// servicesFilter keeps everything but hostctl sites out of the per-node
// answers (Consul's and Nomad's own services live there too).
const servicesFilter = `"` + contract.ServiceTag + `" in Tags`

// watchNodes follows the node list and keeps one services query per node.
// Nodes come and go far more rarely than sites, so this is the one place
// the number of queries grows, and it grows with machines, not sites.
func (w *Watcher) watchNodes(ctx context.Context) {
	watching := map[string]context.CancelFunc{}
	defer func() {
		for _, cancel := range watching {
			cancel()
		}
	}()
	nodes := func(q *consul.QueryOptions) ([]*consul.Node, *consul.QueryMeta, error) {
		return w.active().Catalog().Nodes(q)
	}
	follow(ctx, w, "nodes", "", nodes, func(nodes []*consul.Node, _ uint64) {
		names := map[string]bool{}
		for _, n := range nodes {
			names[n.Node] = true
		}
		w.update(func(v *view) { v.setNodes(names) })
		for name := range names {
			if _, ok := watching[name]; !ok {
				nctx, cancel := context.WithCancel(ctx)
				watching[name] = cancel
				go w.watchNode(nctx, name)
			}
		}
		for name, cancel := range watching {
			if !names[name] {
				cancel()
				delete(watching, name)
			}
		}
	})
}

// watchNode follows the hostctl services registered on one node.
func (w *Watcher) watchNode(ctx context.Context, node string) {
	list := func(q *consul.QueryOptions) (*consul.CatalogNodeServiceList, *consul.QueryMeta, error) {
		return w.active().Catalog().NodeServiceList(node, q)
	}
	follow(ctx, w, "node "+node, servicesFilter, list, func(list *consul.CatalogNodeServiceList, _ uint64) {
		var services []*consul.AgentService
		var addr string
		if list != nil {
			services = list.Services
			if list.Node != nil {
				addr = list.Node.Address
			}
		}
		w.update(func(v *view) { v.setServices(node, addr, services) })
	})
}
