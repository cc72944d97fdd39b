package sleep

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	consul "github.com/hashicorp/consul/api"
	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
)

func TestSleepAndWake(t *testing.T) {
	c := servers(t)
	ctx := ctxFor(t)
	const site = "napper"
	before := deploySite(t, c, site, 10*time.Minute)

	// Sleep must have registered the marker by the time the job changes:
	// watch the job with a blocking query and look at Consul the moment
	// it returns.
	markerAtScale := make(chan bool, 1)
	go func() {
		q := &nomad.QueryOptions{WaitIndex: *before.ModifyIndex, WaitTime: 20 * time.Second}
		_, _, err := c.Nomad.Jobs().Info(site, q)
		m, _ := c.marker(context.Background(), site)
		markerAtScale <- err == nil && m != nil
	}()
	if err := c.Sleep(ctx, site); err != nil {
		t.Fatal(err)
	}
	if !<-markerAtScale {
		t.Error("the job changed before the marker was registered")
	}
	if got := countsNow(t, c, site); got != "web=0,worker=0" {
		t.Errorf("counts after Sleep = %s, want every group at 0", got)
	}

	e := markerOf(t, c, site)
	if e == nil {
		t.Fatal("no marker after Sleep")
	}
	web, _ := webService(before)
	t.Run("marker", func(t *testing.T) {
		if e.Service.ID != site+"-asleep" || e.Service.Service != site || e.Node.Node != contract.SleepNode {
			t.Errorf("marker = %s %s on %s", e.Service.ID, e.Service.Service, e.Node.Node)
		}
		if !slices.Equal(e.Service.Tags, web.Tags) || !slices.Contains(e.Service.Tags, contract.ServiceTag) || !slices.Contains(e.Service.Tags, "www.napper.test") {
			t.Errorf("marker tags = %v, want the web service's %v", e.Service.Tags, web.Tags)
		}
		for k, v := range web.Meta {
			if k == contract.MetaStaticPort {
				// A marker has no port; the job's is uninterpolated.
				if got, ok := e.Service.Meta[k]; ok {
					t.Errorf("marker meta %s = %q, want none", k, got)
				}
				continue
			}
			if e.Service.Meta[k] != v {
				t.Errorf("marker meta %s = %q, want the web service's %q", k, e.Service.Meta[k], v)
			}
		}
		for k, want := range map[string]string{contract.MetaCounts: "web=2,worker=1", contract.MetaHTTPS: contract.HTTPSRedirect,
			contract.MetaRedirects: "old.napper.test", contract.MetaSleepAfter: "600", contract.MetaSite: site} {
			if got := e.Service.Meta[k]; got != want {
				t.Errorf("marker meta %s = %q, want %q", k, got, want)
			}
		}
		since, err := time.Parse(time.RFC3339, e.Service.Meta[contract.MetaAsleep])
		if err != nil || time.Since(since) > time.Minute || time.Since(since) < -time.Second {
			t.Errorf("marker %s = %q, want about now", contract.MetaAsleep, e.Service.Meta[contract.MetaAsleep])
		}
		if len(e.Checks) != 1 || e.Checks[0].Name != contract.AsleepCheckName || e.Checks[0].Status != consul.HealthWarning ||
			!strings.HasPrefix(e.Checks[0].Output, "asleep since ") {
			t.Errorf("marker checks = %+v", e.Checks)
		}
	})

	t.Run("sleep again is a no-op", func(t *testing.T) {
		idx := *jobOf(t, c, site).JobModifyIndex
		if err := c.Sleep(ctx, site); err != nil {
			t.Fatal(err)
		}
		if now := *jobOf(t, c, site).JobModifyIndex; now != idx {
			t.Errorf("job modified by a second Sleep: index %d -> %d", idx, now)
		}
		if m := markerOf(t, c, site); m == nil || m.Service.Meta[contract.MetaCounts] != "web=2,worker=1" {
			t.Errorf("marker after a second Sleep = %+v", m)
		}
	})

	t.Run("concurrent wakes start it once", func(t *testing.T) {
		const wakers = 4
		var wg sync.WaitGroup
		results := make([]bool, wakers)
		errs := make([]error, wakers)
		for i := range wakers {
			wg.Go(func() { results[i], errs[i] = c.Wake(ctx, site) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		if n := countTrue(results); n != 1 {
			t.Errorf("%d of %d wakes started the site, want exactly 1", n, wakers)
		}
		if got := countsNow(t, c, site); got != "web=2,worker=1" {
			t.Errorf("counts after Wake = %s, want web=2,worker=1", got)
		}
		if m := markerOf(t, c, site); m == nil || len(m.Checks) != 1 || m.Checks[0].Name != contract.AsleepCheckName {
			t.Errorf("marker after Wake = %+v; want it and its check kept (only Awake removes them)", m)
		}
		started, err := c.Wake(ctx, site)
		if err != nil || started {
			t.Errorf("Wake of a running site = %v, %v; want false, nil", started, err)
		}
	})

	t.Run("awake", func(t *testing.T) {
		if err := c.WakeFailed(ctx, site, "boom"); err != nil {
			t.Fatal(err)
		}
		for range 2 { // idempotent
			if err := c.Awake(ctx, site); err != nil {
				t.Fatal(err)
			}
		}
		if markerOf(t, c, site) != nil {
			t.Error("marker still there after Awake")
		}
		st, err := c.Status(ctx, site)
		if err != nil || st.Asleep || st.WakeError != "" || st.SleepAfter != 10*time.Minute {
			t.Errorf("Status after Awake = %+v, %v", st, err)
		}
		if _, err := c.Wake(ctx, site); !errors.Is(err, ErrNotAsleep) {
			t.Errorf("Wake of an awake site: err = %v, want ErrNotAsleep", err)
		}
	})
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

func TestSleepRefuses(t *testing.T) {
	c := servers(t)
	ctx := ctxFor(t)
	foreign := nomad.NewServiceJob("foreign", "foreign", "", 50)
	foreign.AddTaskGroup(nomad.NewTaskGroup("web", 1).AddTask(nomad.NewTask("t", "raw_exec")))
	foreign.Meta = map[string]string{contract.MetaSite: "someone-else"}
	if _, _, err := c.Nomad.Jobs().Register(foreign, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _, _ = c.Nomad.Jobs().Deregister("foreign", false, nil) })
	for _, tc := range []struct{ site, want string }{
		{"foreign", "not a hostctl site"},
		{"missing", "not deployed"},
		{"Bad_Name", "site name"},
	} {
		t.Run(tc.site, func(t *testing.T) {
			err := c.Sleep(ctx, tc.site)
			if err == nil || !contains(err.Error(), tc.want) {
				t.Errorf("Sleep(%s) = %v, want %q", tc.site, err, tc.want)
			}
			if markerOf(t, c, tc.site) != nil {
				t.Errorf("a refused Sleep left a marker for %s", tc.site)
			}
		})
	}
	if got := countsNow(t, c, "foreign"); got != "web=1" {
		t.Errorf("a job that is not a hostctl site was scaled: %s", got)
	}
}

// A site already at zero records the counts it last ran with, so a wake
// brings back what it was before it was scaled down.
func TestSleepAtZero(t *testing.T) {
	c := servers(t)
	ctx := ctxFor(t)
	const site = "zeroed"
	deploySite(t, c, site, time.Minute)
	// Scaled down by hand: a new version with every group at zero.
	off := renderSite(t, site, time.Minute)
	for _, tg := range off.TaskGroups {
		tg.Count = new(0)
	}
	if _, _, err := c.Nomad.Jobs().Register(off, nil); err != nil {
		t.Fatal(err)
	}
	// The Sleeper leaves such a site alone: it is off, not idle.
	if o, err := c.sleep(ctx, site, true); err != nil || o != isOff || markerOf(t, c, site) != nil {
		t.Fatalf("idle-only sleep of a site at zero = %v, %v; want off, no marker", o, err)
	}
	if err := c.Sleep(ctx, site); err != nil {
		t.Fatal(err)
	}
	st, err := c.Status(ctx, site)
	if err != nil || !st.Asleep || FormatCounts(st.Counts) != "web=2,worker=1" {
		t.Errorf("Status = %+v, %v; want asleep with web=2,worker=1", st, err)
	}
}

func TestStatusAsleepRefreshForget(t *testing.T) {
	c := servers(t)
	ctx := ctxFor(t)
	deploySite(t, c, "dozy", 90*time.Second)
	deploySite(t, c, "drowsy", 2*time.Minute)
	deploySite(t, c, "wakeful", time.Minute)
	for _, s := range []string{"dozy", "drowsy"} {
		if err := c.Sleep(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.WakeFailed(ctx, "dozy", "gunicorn exited: ImportError"); err != nil {
		t.Fatal(err)
	}

	t.Run("status", func(t *testing.T) {
		for _, tc := range []struct {
			site            string
			asleep          bool
			counts, wakeErr string
			sleepAfter      time.Duration
		}{
			{"dozy", true, "web=2,worker=1", "gunicorn exited: ImportError", 90 * time.Second},
			{"drowsy", true, "web=2,worker=1", "", 2 * time.Minute},
			{"wakeful", false, "", "", time.Minute},
			{"nosuch", false, "", "", 0},
		} {
			t.Run(tc.site, func(t *testing.T) {
				st, err := c.Status(ctx, tc.site)
				if err != nil {
					t.Fatal(err)
				}
				if st.Site != tc.site || st.Asleep != tc.asleep || FormatCounts(st.Counts) != tc.counts ||
					st.WakeError != tc.wakeErr || st.SleepAfter != tc.sleepAfter {
					t.Errorf("Status = %+v", st)
				}
				if tc.asleep == st.Since.IsZero() || (tc.wakeErr != "") == st.WakeErrorAt.IsZero() {
					t.Errorf("Since %v, WakeErrorAt %v", st.Since, st.WakeErrorAt)
				}
			})
		}
	})

	t.Run("asleep", func(t *testing.T) {
		all, err := c.Asleep(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := all["wakeful"]; ok || all["dozy"].SleepAfter != 90*time.Second || FormatCounts(all["drowsy"].Counts) != "web=2,worker=1" || all["drowsy"].Since.IsZero() {
			t.Errorf("Asleep = %+v", all)
		}
	})

	t.Run("refresh", func(t *testing.T) {
		before, _ := c.Status(ctx, "drowsy")
		next := renderSite(t, "drowsy", 5*time.Minute)
		next.TaskGroups[0].Count = new(3)
		web, _ := webService(next)
		web.Tags = append(web.Tags, "new.drowsy.test")
		web.Meta[contract.MetaDomains] += ",new.drowsy.test"
		if err := c.Refresh(ctx, next); err != nil {
			t.Fatal(err)
		}
		m := markerOf(t, c, "drowsy")
		if m == nil || !slices.Contains(m.Service.Tags, "new.drowsy.test") || !contains(m.Service.Meta[contract.MetaDomains], "new.drowsy.test") ||
			m.Service.Meta[contract.MetaCounts] != "web=3,worker=1" || m.Service.Meta[contract.MetaSleepAfter] != "300" {
			t.Fatalf("marker after Refresh = %+v", m)
		}
		after, _ := c.Status(ctx, "drowsy")
		if !after.Since.Equal(before.Since) {
			t.Errorf("Refresh moved Since from %v to %v", before.Since, after.Since)
		}
		// A site that is awake gets no marker from an apply.
		if err := c.Refresh(ctx, renderSite(t, "wakeful", time.Minute)); err != nil || markerOf(t, c, "wakeful") != nil {
			t.Errorf("Refresh of an awake site = %v, marker %v", err, markerOf(t, c, "wakeful"))
		}
	})

	t.Run("forget", func(t *testing.T) {
		if err := PublishActivity(ctx, c.Consul, "r1", map[string]time.Time{"dozy": time.Now(), "dozy-two": time.Now()}); err != nil {
			t.Fatal(err)
		}
		if err := c.Forget(ctx, "dozy"); err != nil {
			t.Fatal(err)
		}
		st, err := c.Status(ctx, "dozy")
		if err != nil || st.Asleep || st.WakeError != "" {
			t.Errorf("Status after Forget = %+v, %v", st, err)
		}
		keys, _, _ := c.Consul.KV().Keys(contract.ActivityPrefix, "", nil)
		if slices.Contains(keys, activityKey("dozy", "r1")) || !slices.Contains(keys, activityKey("dozy-two", "r1")) {
			t.Errorf("activity keys after Forget(dozy) = %v: want dozy's gone and dozy-two's kept", keys)
		}
		if err := c.Forget(ctx, "dozy"); err != nil {
			t.Errorf("second Forget: %v", err)
		}
	})
}

func TestPublishActivity(t *testing.T) {
	c := servers(t)
	ctx := ctxFor(t)
	seen := map[string]time.Time{}
	base := time.Unix(1_800_000_000, 0)
	for i := range 150 { // more than two transactions' worth
		seen[fmt.Sprintf("busy-%03d", i)] = base.Add(time.Duration(i) * time.Second)
	}
	for _, r := range []string{"router-a", "router-b"} {
		if err := PublishActivity(ctx, c.Consul, r, seen); err != nil {
			t.Fatal(err)
		}
	}
	// router-b saw busy-007 later.
	if err := PublishActivity(ctx, c.Consul, "router-b", map[string]time.Time{"busy-007": base.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	kv, _, err := c.Consul.KV().Get(contract.ActivityPrefix+"busy-149/router-a", nil)
	if err != nil || kv == nil || string(kv.Value) != "1800000149" {
		t.Fatalf("busy-149/router-a = %+v, %v", kv, err)
	}
	last, err := activity(ctx, c.Consul)
	if err != nil {
		t.Fatal(err)
	}
	if !last["busy-007"].Equal(base.Add(time.Hour)) || !last["busy-100"].Equal(base.Add(100*time.Second)) {
		t.Errorf("latest activity: busy-007 %v, busy-100 %v", last["busy-007"], last["busy-100"])
	}
	for _, tc := range []struct {
		name, router string
		seen         map[string]time.Time
	}{
		{"router with a slash", "a/b", map[string]time.Time{"busy-001": base}},
		{"empty router", "", map[string]time.Time{"busy-001": base}},
		{"invalid site", "router-a", map[string]time.Time{"../x": base}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := PublishActivity(ctx, c.Consul, tc.router, tc.seen); err == nil {
				t.Error("accepted")
			}
		})
	}
	if err := forgetActivity(ctx, c.Consul, []string{"busy-001", "busy-002"}); err != nil {
		t.Fatal(err)
	}
	if last, _ := activity(ctx, c.Consul); !last["busy-001"].IsZero() || last["busy-003"].IsZero() {
		t.Errorf("after forgetting busy-001: %v, busy-003 %v", last["busy-001"], last["busy-003"])
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// A job changed between Sleep reading it and scaling it (an apply, say)
// wins: nothing is scaled and the marker, whose counts may be stale, goes.
func TestSleepLosesToAChange(t *testing.T) {
	c := servers(t)
	ctx := ctxFor(t)
	const site = "changing"
	stale := deploySite(t, c, site, time.Minute)
	if _, _, err := c.Nomad.Jobs().Register(renderSite(t, site, 2*time.Minute), nil); err != nil {
		t.Fatal(err)
	}
	_, err := c.scale(ctx, stale, map[string]int{"web": 0, "worker": 0}, sleepMessage, false)
	if !isIndexConflict(err) {
		t.Fatalf("scale of a stale job = %v, want an index conflict", err)
	}
	if got := countsNow(t, c, site); got != "web=2,worker=1" {
		t.Errorf("a refused scale changed the counts: %s", got)
	}
	web, _ := webService(stale)
	if err := c.registerMarker(ctx, site, web, time.Now(), countsOf(stale)); err != nil {
		t.Fatal(err)
	}
	err = c.abandonSleep(ctx, site, err)
	if contract.ExitCode(err) != int(contract.Conflict) || markerOf(t, c, site) != nil {
		t.Errorf("abandonSleep = %v (marker %v); want a Conflict and no marker", err, markerOf(t, c, site))
	}
}

// TestBegin: a site applied asleep gets a marker from its rendered job —
// its domains and the counts its first wake starts — and a job that is
// not a hostctl site gets none.
func TestBegin(t *testing.T) {
	c := servers(t)
	ctx := ctxFor(t)
	job := renderSite(t, "newborn", time.Hour)
	if err := c.Begin(ctx, job); err != nil {
		t.Fatal(err)
	}
	st, err := c.Status(ctx, "newborn")
	if err != nil || !st.Asleep || st.Counts["web"] != 2 || time.Since(st.Since) > time.Minute {
		t.Fatalf("after Begin: %+v %v", st, err)
	}
	m := markerOf(t, c, "newborn")
	if m == nil || !slices.Contains(m.Service.Tags, "newborn.test") {
		t.Fatalf("marker = %+v", m)
	}
	foreign := renderSite(t, "stranger", time.Hour)
	foreign.Meta[contract.MetaSite] = "someone-else"
	if err := c.Begin(ctx, foreign); err == nil || markerOf(t, c, "stranger") != nil {
		t.Errorf("Begin of a job that is not a site: %v", err)
	}
}
