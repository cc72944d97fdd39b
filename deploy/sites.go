package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"

	consul "github.com/hashicorp/consul/api"
	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
)

// SiteSummary is one line of `hostctl site list`.
type SiteSummary struct {
	Name    string `json:"name"`
	Status  string `json:"status"`
	Version uint64 `json:"version"`
	Running int    `json:"running"`
	Desired int    `json:"desired"`
}

// List returns hostctl's sites among Nomad's jobs (those carrying the
// hostctl_site meta), sorted by name.
func List(ctx context.Context, nc *nomad.Client) ([]SiteSummary, error) {
	q := (&nomad.QueryOptions{}).WithContext(ctx)
	stubs, _, err := nc.Jobs().ListOptions(&nomad.JobListOptions{Fields: &nomad.JobListFields{Meta: true}}, q)
	if err != nil {
		return nil, err
	}
	out := []SiteSummary{}
	for _, j := range stubs {
		if j.Meta[contract.MetaSite] != j.ID {
			continue
		}
		s := SiteSummary{Name: j.ID, Status: j.Status}
		if j.JobSummary != nil {
			for _, tg := range j.JobSummary.Summary {
				s.Running += tg.Running
			}
		}
		if job, _, err := nc.Jobs().Info(j.ID, q); err == nil {
			s.Version = *job.Version
			for _, tg := range job.TaskGroups {
				s.Desired += *tg.Count
			}
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, k int) bool { return out[i].Name < out[k].Name })
	return out, nil
}

// Instance is one allocation of a site, with what Consul and the node say
// about it.
type Instance struct {
	ID      string `json:"id"`
	Process string `json:"process"`
	Node    string `json:"node"`
	Status  string `json:"status"`
	Health  string `json:"health,omitempty"` // Consul's, for web instances
	Address string `json:"address,omitempty"`
	// Nil when the node has no sample: Nomad 1.11 reports none for
	// raw_exec tasks on cgroup v1 hosts, and a made-up 0 would mislead.
	MemoryMiB *float64 `json:"memory_mib"`
	CPUPct    *float64 `json:"cpu_percent"`
}

// SiteStatus is `hostctl site status`.
type SiteStatus struct {
	Name      string     `json:"name"`
	Status    string     `json:"status"`
	Version   uint64     `json:"version"`
	UID       string     `json:"uid"`
	Domains   []string   `json:"domains"`
	Instances []Instance `json:"instances"`
}

// Status gathers a site's instances from Nomad, their health from Consul
// and their live CPU and memory from the nodes.
func Status(ctx context.Context, nc *nomad.Client, cc *consul.Client, site string) (*SiteStatus, error) {
	q := (&nomad.QueryOptions{}).WithContext(ctx)
	job, _, err := nc.Jobs().Info(site, q)
	if err != nil {
		if isNotFound(err) {
			return nil, notDeployed(site)
		}
		return nil, err
	}
	st := &SiteStatus{Name: site, Status: *job.Status, Version: *job.Version, UID: job.Meta[contract.MetaUID]}
	health := map[string]string{}
	addr := map[string]string{}
	if cc != nil {
		entries, _, err := cc.Health().Service(site, contract.ServiceTag, false, (&consul.QueryOptions{}).WithContext(ctx))
		if err != nil {
			return nil, fmt.Errorf("consul: %w", err)
		}
		for _, e := range entries {
			// Nomad names its Consul service IDs _nomad-task-<alloc>-...
			health[e.Service.ID] = e.Checks.AggregatedStatus()
			addr[e.Service.ID] = fmt.Sprintf("%s:%d", e.Service.Address, e.Service.Port)
			if st.Domains == nil {
				st.Domains = strings.Split(e.Service.Meta[contract.MetaDomains], ",")
			}
		}
	}
	allocs, _, err := nc.Jobs().Allocations(site, false, q)
	if err != nil {
		return nil, err
	}
	for _, a := range allocs {
		if a.ClientStatus != nomad.AllocClientStatusRunning && a.ClientStatus != nomad.AllocClientStatusPending {
			continue
		}
		in := Instance{ID: a.ID[:8], Process: a.TaskGroup, Node: a.NodeName, Status: a.ClientStatus}
		for id, h := range health {
			if strings.Contains(id, a.ID) {
				in.Health, in.Address = h, addr[id]
			}
		}
		if full, _, err := nc.Allocations().Info(a.ID, q); err == nil && a.ClientStatus == nomad.AllocClientStatusRunning {
			if u, err := nc.Allocations().Stats(full, q); err == nil && u.ResourceUsage != nil && u.Timestamp != 0 {
				// cgroup v1 reports RSS, cgroup v2 only Usage.
				m := u.ResourceUsage.MemoryStats
				mem := float64(max(m.RSS, m.Usage-min(m.Usage, m.Cache))) / (1 << 20)
				cpu := u.ResourceUsage.CpuStats.Percent
				in.MemoryMiB, in.CPUPct = &mem, &cpu
			}
		}
		st.Instances = append(st.Instances, in)
	}
	sort.Slice(st.Instances, func(i, k int) bool {
		if st.Instances[i].Process != st.Instances[k].Process {
			return st.Instances[i].Process > st.Instances[k].Process // web first
		}
		return st.Instances[i].ID < st.Instances[k].ID
	})
	return st, nil
}

// Scale sets how many instances of one process a site runs, without a
// new spec: the next apply of the spec sets it back.
func Scale(ctx context.Context, nc *nomad.Client, site, process string, count int) error {
	if count < 0 || count > 64 {
		return contract.Errorf(contract.Invalid, "%s=%d: count must be between 0 and 64", process, count)
	}
	job, _, err := nc.Jobs().Info(site, (&nomad.QueryOptions{}).WithContext(ctx))
	if isNotFound(err) {
		return notDeployed(site)
	}
	if err != nil {
		return err
	}
	var groups []string
	for _, tg := range job.TaskGroups {
		groups = append(groups, *tg.Name)
		if *tg.Name == process {
			_, _, err := nc.Jobs().Scale(site, process, &count, "hostctl site scale", false, nil, (&nomad.WriteOptions{}).WithContext(ctx))
			return err
		}
	}
	return contract.Errorf(contract.NotFound, "site %s has no process %q (it has %s)", site, process, strings.Join(groups, ", "))
}

// Rollback re-registers an earlier version of the site's job: the given
// one, or else the newest stable version older than the current one.
func Rollback(ctx context.Context, nc *nomad.Client, site string, version *uint64) (uint64, error) {
	q := (&nomad.QueryOptions{}).WithContext(ctx)
	versions, _, _, err := nc.Jobs().Versions(site, false, q)
	if isNotFound(err) {
		return 0, notDeployed(site)
	}
	if err != nil {
		return 0, err
	}
	if len(versions) == 0 {
		return 0, fmt.Errorf("site %q has no versions", site)
	}
	current := *versions[0].Version
	target := version
	if target == nil {
		for _, v := range versions[1:] {
			// A restart is a version too (see Restart); going back to the
			// one before it would change nothing the user can see.
			if v.Stable != nil && *v.Stable && !sameButRestart(v, versions[0]) {
				target = v.Version
				break
			}
		}
		if target == nil {
			return 0, errors.New("no earlier stable version to roll back to")
		}
	}
	if *target == current {
		return 0, fmt.Errorf("version %d is the current version", current)
	}
	_, _, err = nc.Jobs().Revert(site, *target, &current, (&nomad.WriteOptions{}).WithContext(ctx), "", "")
	return *target, err
}

// sameButRestart reports whether two versions of a job run the same
// thing, told apart only by the restart stamp.
func sameButRestart(a, b *nomad.Job) bool {
	strip := func(j *nomad.Job) string {
		groups := make([]nomad.TaskGroup, len(j.TaskGroups))
		for i, tg := range j.TaskGroups {
			groups[i] = *tg
			groups[i].Meta = maps.Clone(tg.Meta)
			delete(groups[i].Meta, contract.MetaRestart)
		}
		b, _ := json.Marshal(struct {
			Meta   map[string]string
			Groups []nomad.TaskGroup
		}{j.Meta, groups})
		return string(b)
	}
	return strip(a) == strip(b)
}

// JobRef is one registered job: Site is set on a site's own job, CronOf
// on one of its crons, neither on a job that is not hostctl's.
type JobRef struct {
	ID, Site, CronOf string
}

// Jobs lists every registered job except the runs periodic jobs launch
// (they go with their parent).
func Jobs(ctx context.Context, nc *nomad.Client) ([]JobRef, error) {
	stubs, _, err := nc.Jobs().ListOptions(&nomad.JobListOptions{Fields: &nomad.JobListFields{Meta: true}},
		(&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return nil, err
	}
	var refs []JobRef
	for _, j := range stubs {
		if j.ParentID == "" {
			refs = append(refs, JobRef{ID: j.ID, Site: j.Meta[contract.MetaSite], CronOf: j.Meta[contract.MetaCronOf]})
		}
	}
	return refs, nil
}
