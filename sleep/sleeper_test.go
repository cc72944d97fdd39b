package sleep

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	consul "github.com/hashicorp/consul/api"

	"github.com/hostctl/hostctl/contract"
)

func TestSleeper(t *testing.T) {
	c := servers(t)
	ctx := ctxFor(t)
	for site, after := range map[string]time.Duration{"idler": time.Minute, "busy": time.Minute, "always": 0, "deploying": time.Minute} {
		// Only "deploying" has a deployment, which never ends here (no
		// client): the others would leave the Sleeper waiting on theirs.
		if site == "deploying" {
			register(t, c, site, renderWithDeployments(t, site, after))
		} else {
			deploySite(t, c, site, after)
		}
	}
	// An hour from now every site's deploy is long past: only the
	// routers' activity keeps one awake.
	now := time.Now().Add(time.Hour)
	if err := PublishActivity(ctx, c.Consul, "r1", map[string]time.Time{"busy": now.Add(-10 * time.Second), "idler": now.Add(-30 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := PublishActivity(ctx, c.Consul, "r2", map[string]time.Time{"idler": now.Add(-20 * time.Minute)}); err != nil {
		t.Fatal(err)
	}

	// Someone else holds the lock.
	other, err := c.Consul.LockOpts(&consul.LockOptions{Key: contract.SleeperLock, LockDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Lock(nil); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	s := &Sleeper{Client: c, Interval: 100 * time.Millisecond, Now: func() time.Time { return now },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	done := make(chan error, 1)
	go func() { done <- s.Run(runCtx) }()
	time.Sleep(1500 * time.Millisecond)
	if asleepSites(t, c)["idler"] {
		t.Fatal("the Sleeper acted without holding the lock")
	}

	if err := other.Unlock(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "idler asleep", func() bool { return asleepSites(t, c)["idler"] })
	time.Sleep(500 * time.Millisecond) // a few more ticks
	got := asleepSites(t, c)
	if got["busy"] || got["always"] || got["deploying"] {
		t.Errorf("asleep = %v: only idler was idle (deploying is still being deployed)", got)
	}
	if n := countsNow(t, c, "idler"); n != "web=0,worker=0" {
		t.Errorf("idler's counts = %s", n)
	}
	if st, _ := c.Status(ctx, "idler"); FormatCounts(st.Counts) != "web=2,worker=1" {
		t.Errorf("idler's marker counts = %v", st.Counts)
	}
	keys, _, _ := c.Consul.KV().Keys(contract.ActivityPrefix, "", nil)
	for _, k := range keys {
		if k == activityKey("idler", "r1") || k == activityKey("idler", "r2") {
			t.Errorf("activity key %s left after idler slept", k)
		}
	}
	if len(keys) == 0 {
		t.Error("busy's activity key was deleted too")
	}

	// Losing the lock (its session destroyed) stops it acting: a site
	// going idle now stays awake while the lock is lost.
	kv, _, err := c.Consul.KV().Get(contract.SleeperLock, nil)
	if err != nil || kv == nil || kv.Session == "" {
		t.Fatalf("the Sleeper does not hold the lock: %+v, %v", kv, err)
	}
	if _, err := c.Consul.Session().Destroy(kv.Session, nil); err != nil {
		t.Fatal(err)
	}
	deploySite(t, c, "latecomer", time.Minute)
	time.Sleep(1500 * time.Millisecond) // within the lock's 15 s lock-delay
	if asleepSites(t, c)["latecomer"] {
		t.Error("the Sleeper acted after losing the lock")
	}

	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(2*lockWait + 5*time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if kv, _, _ := c.Consul.KV().Get(contract.SleeperLock, nil); kv != nil && kv.Session != "" {
		t.Errorf("the lock is still held after Run returned: %+v", kv)
	}
}

func asleepSites(t *testing.T, c Client) map[string]bool {
	t.Helper()
	all, err := c.Asleep(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for s := range all {
		out[s] = true
	}
	return out
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
