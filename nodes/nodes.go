// Package nodes is the operator's view of the machines sites run on:
// Nomad's client nodes, listed, and drained before maintenance so that
// their sites move elsewhere first.
package nodes

import (
	"context"
	"fmt"
	"sort"
	"strings"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
)

// Node is one Nomad client as `hostctl node list` shows it.
type Node struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Address     string `json:"address"`
	Status      string `json:"status"`      // ready, down, initializing, disconnected
	Eligibility string `json:"eligibility"` // eligible, ineligible
	Draining    bool   `json:"draining"`
	// Allocs counts the site instances running there.
	Allocs    int    `json:"allocs"`
	MediaRoot string `json:"media_root,omitempty"`
}

// List returns every client node, sorted by name.
func List(ctx context.Context, nc *nomad.Client) ([]Node, error) {
	all, err := stubs(ctx, nc)
	if err != nil {
		return nil, err
	}
	allocs, _, err := nc.Allocations().List((&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return nil, err
	}
	running := map[string]int{}
	for _, a := range allocs {
		if a.ClientStatus == nomad.AllocClientStatusRunning {
			running[a.NodeID]++
		}
	}
	for i := range all {
		all[i].Allocs = running[all[i].ID]
		if err := withMeta(ctx, nc, &all[i]); err != nil {
			return nil, err
		}
	}
	return all, nil
}

// Resolve finds one node by its exact name or a unique prefix of its ID.
// It reads the one node's details, not every node's nor the cluster's
// allocations, which List does.
func Resolve(ctx context.Context, nc *nomad.Client, ref string) (Node, error) {
	if ref == "" {
		return Node{}, contract.Errorf(contract.Invalid, "no node named: give a node name or ID prefix (hostctl node list)")
	}
	all, err := stubs(ctx, nc)
	if err != nil {
		return Node{}, err
	}
	n, err := pick(all, ref)
	if err != nil {
		return Node{}, err
	}
	return n, withMeta(ctx, nc, &n)
}

// stubs are the nodes as Nomad's node list has them, sorted by name.
func stubs(ctx context.Context, nc *nomad.Client) ([]Node, error) {
	list, _, err := nc.Nodes().List((&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return nil, err
	}
	out := make([]Node, 0, len(list))
	for _, s := range list {
		out = append(out, Node{ID: s.ID, Name: s.Name, Address: s.Address, Status: s.Status,
			Eligibility: s.SchedulingEligibility, Draining: s.Drain})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// withMeta fills in what only the node's full record has (the list's
// stubs carry no client meta).
func withMeta(ctx context.Context, nc *nomad.Client, n *Node) error {
	full, _, err := nc.Nodes().Info(n.ID, (&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return fmt.Errorf("node %s: %w", n.Name, err)
	}
	n.MediaRoot = full.Meta[contract.MediaRootMeta]
	return nil
}

// pick is Resolve over a list: a name or a whole ID wins over prefixes, so
// a node named like another's ID prefix is still reachable by name.
func pick(all []Node, ref string) (Node, error) {
	var byPrefix []Node
	for _, n := range all {
		if n.Name == ref || n.ID == ref {
			return n, nil
		}
		if strings.HasPrefix(n.ID, ref) {
			byPrefix = append(byPrefix, n)
		}
	}
	switch len(byPrefix) {
	case 1:
		return byPrefix[0], nil
	case 0:
		return Node{}, contract.Errorf(contract.NotFound, "no node is named %q or has an ID starting with it (hostctl node list)", ref)
	}
	return Node{}, contract.Errorf(contract.Invalid, "%d nodes have IDs starting with %q: give more of the ID", len(byPrefix), ref)
}

// MediaStore resolves ref to a ready node and returns the media store it
// advertises (contract.MediaRootMeta): where `site move` may put a site's
// files. The root comes from the node, never from a tenant.
func MediaStore(ctx context.Context, nc *nomad.Client, ref string) (Node, string, error) {
	n, err := Resolve(ctx, nc, ref)
	if err != nil {
		return Node{}, "", err
	}
	if n.Status != nomad.NodeStatusReady {
		return Node{}, "", contract.Errorf(contract.Unavailable, "node %s is %s, not ready", n.Name, n.Status)
	}
	if n.MediaRoot == "" {
		return Node{}, "", contract.Errorf(contract.Invalid, "node %s has no media store (no client meta %s)", n.Name, contract.MediaRootMeta)
	}
	if err := contract.CheckMediaRoot(n.MediaRoot); err != nil {
		return Node{}, "", contract.Errorf(contract.Invalid, "node %s advertises a bad media store: %w", n.Name, err)
	}
	return n, n.MediaRoot, nil
}
