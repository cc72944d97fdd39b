package nodes

import (
	"context"
	"fmt"
	"io"
	"time"

	nomad "github.com/hashicorp/nomad/api"
)

// Drain marks a node ineligible for new instances and moves its instances
// elsewhere through Nomad's drain. Nomad migrates each group as its
// migrate block says (one instance at a time, the next once the last
// replacement is healthy), and an instance leaves Consul, and so every
// router, before it is stopped (the jobs' shutdown delay): a site with two
// or more instances loses no request. After deadline Nomad stops what is
// left. With wait, Drain returns once the drain is complete, printing
// Nomad's progress to out.
func Drain(ctx context.Context, nc *nomad.Client, n Node, deadline time.Duration, wait bool, out io.Writer) error {
	spec := &nomad.DrainSpec{Deadline: deadline}
	resp, err := nc.Nodes().UpdateDrainOpts(n.ID, &nomad.DrainOptions{DrainSpec: spec, MarkEligible: false},
		(&nomad.WriteOptions{}).WithContext(ctx))
	if err != nil {
		return fmt.Errorf("draining %s: %w", n.Name, err)
	}
	if !wait {
		return nil
	}
	for msg := range nc.Nodes().MonitorDrain(ctx, n.ID, resp.LastIndex, false) {
		if msg == nil {
			continue
		}
		fmt.Fprintf(out, "%s\n", msg)
		if msg.Level == nomad.MonitorMsgLevelError {
			return fmt.Errorf("draining %s: %s", n.Name, msg.Message)
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("draining %s: %w", n.Name, err)
	}
	return nil
}

// Undrain ends a drain (if one runs) and makes the node eligible again.
// Instances moved away stay where they are until a deploy or a reschedule
// places them.
func Undrain(ctx context.Context, nc *nomad.Client, n Node) error {
	_, err := nc.Nodes().UpdateDrainOpts(n.ID, &nomad.DrainOptions{DrainSpec: nil, MarkEligible: true},
		(&nomad.WriteOptions{}).WithContext(ctx))
	if err != nil {
		return fmt.Errorf("undraining %s: %w", n.Name, err)
	}
	return nil
}
