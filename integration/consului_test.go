package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// uiChromium is Debian's chromium, installed by scripts/bootstrap.
const uiChromium = "/usr/bin/chromium"

// TestConsulUIShowsSite drives the Consul web UI in headless Chromium and
// checks that a deployed site shows up there the way an operator would
// see it: listed, passing, registered via Nomad, tagged with its domains,
// and with its hostctl meta on the instance page.
//
// The DOM hooks are those of Consul 1.22's UI templates (production builds
// strip the data-test-* attributes, so only classes and structure remain):
//
//   - services list: ul > li rows of div.consul-service-list; a row's
//     .header holds <dl class={{MeshStatus}}> (exactly one of passing,
//     warning, critical, empty: the service's aggregated checks) and the
//     service link; its .detail holds span.consul-external-source
//     ("Registered via Nomad", from meta external-source=nomad) and
//     dl.tag-list > dd > span, one per tag.
//   - service page (instances tab): div.consul-service-instance-list rows,
//     each with a .header link and two dl.consul-instance-checks whose class
//     is the worst status of the service resp. node checks and whose dd
//     reads "All service checks passing" / "All node checks passing".
//   - instance page: div.consul-health-check-list > ul > li.health-check-output
//     with the check's status as a class and its name in header h2; the
//     "Tags & Meta" tab (.../metadata) has table.consul-metadata-list rows of
//     key/value cells.
func TestConsulUIShowsSite(t *testing.T) {
	if _, err := os.Stat(uiChromium); err != nil {
		t.Fatalf("chromium not found (%v): run scripts/bootstrap to install it", err)
	}
	artifacts := uiArtifactDir(t)

	c := newCluster(t)
	app := c.stage("hello", "../examples/hello")
	c.mustRun("site", "apply", filepath.Join(app, "site.hcl"))
	consulUI := "http://" + c.envValue("CONSUL_HTTP_ADDR") + "/ui/dc1"

	// Registered after newCluster, so it runs (and the browser is gone)
	// before the cluster is torn down and checked.
	b := newUIBrowser(t)

	// Consul denies anonymous reads: the UI shows hello only after logging
	// in, here with the read-only token (the UI keeps it in local storage
	// under consul:token, which is what its Log in form writes).
	t.Run("anonymous visitors see no site", func(t *testing.T) {
		var found bool
		b.run(t, "open the services list without a token", 30*time.Second,
			chromedp.Navigate(consulUI+"/services"),
			chromedp.Sleep(3*time.Second),
			chromedp.Evaluate(`document.querySelector('a[href="/ui/dc1/services/hello"]') !== null`, &found),
		)
		if found {
			t.Error("the Consul UI lists hello to a visitor without a token")
		}
	})
	t.Run("log in with the read-only token", func(t *testing.T) {
		tok := c.tokens.UIReadOnly
		var ok bool
		b.run(t, "store the token", 10*time.Second, chromedp.Evaluate(fmt.Sprintf(
			`localStorage.setItem("consul:token", JSON.stringify({AccessorID: %q, SecretID: %q})); true`, tok.AccessorID, tok.SecretID), &ok))
	})

	t.Run("services list", func(t *testing.T) {
		link := `.consul-service-list li a[href="/ui/dc1/services/hello"]`
		b.run(t, "open the services list and wait for hello", 60*time.Second,
			chromedp.Navigate(consulUI+"/services"),
			chromedp.WaitVisible(link, chromedp.ByQuery),
		)
		var row struct {
			Rows    int      `json:"rows"`
			Name    string   `json:"name"`
			Health  []string `json:"health"`
			Source  string   `json:"source"`
			Tags    []string `json:"tags"`
			Text    string   `json:"text"`
			Matches int      `json:"matches"`
		}
		b.run(t, "read the hello row", 10*time.Second, chromedp.Evaluate(`(() => {
			const rows = [...document.querySelectorAll('.consul-service-list li')]
				.filter(li => li.querySelector('.header a[href="/ui/dc1/services/hello"]'));
			const li = rows[0];
			if (!li) return {matches: 0};
			const dl = li.querySelector('.header > dl');
			const src = li.querySelector('.detail .consul-external-source');
			return {
				matches: rows.length,
				name: li.querySelector('.header a').innerText.trim(),
				health: dl ? [...dl.classList] : [],
				source: src ? src.innerText.trim() : '',
				tags: [...li.querySelectorAll('.detail dl.tag-list dd span')].map(s => s.innerText.trim()),
				text: li.innerText,
			};
		})()`, &row))
		b.screenshot(t, filepath.Join(artifacts, "consului-services.png"))

		if row.Matches != 1 {
			t.Fatalf("services list has %d rows linking to hello, want 1", row.Matches)
		}
		t.Logf("hello row: health class %q, source %q, tags %q, text %q", row.Health, row.Source, row.Tags, row.Text)
		if row.Name != "hello" {
			t.Errorf("service link text = %q, want hello", row.Name)
		}
		if !slices.Equal(row.Health, []string{"passing"}) {
			t.Errorf("row health <dl> classes = %q, want exactly [passing]", row.Health)
		}
		if row.Source != "Registered via Nomad" {
			t.Errorf("row external source = %q, want %q", row.Source, "Registered via Nomad")
		}
		slices.Sort(row.Tags)
		if !slices.Equal(row.Tags, []string{"hello.localhost", "hostctl"}) {
			t.Errorf("row tags = %q, want [hello.localhost hostctl]", row.Tags)
		}
		if !strings.Contains(row.Text, "1 instance") {
			t.Errorf("row text lacks %q: %q", "1 instance", row.Text)
		}
	})

	t.Run("instance passing with hostctl meta", func(t *testing.T) {
		instances := `.consul-service-instance-list li .header a`
		b.run(t, "click into hello", 30*time.Second,
			chromedp.Click(`.consul-service-list li a[href="/ui/dc1/services/hello"]`, chromedp.ByQuery),
			chromedp.WaitVisible(instances, chromedp.ByQuery),
		)
		var list struct {
			Location  string `json:"location"`
			Instances int    `json:"instances"`
			Checks    []struct {
				Class []string `json:"class"`
				Text  string   `json:"text"`
			} `json:"checks"`
		}
		b.run(t, "read the instance list", 10*time.Second, chromedp.Evaluate(`(() => {
			const rows = [...document.querySelectorAll('.consul-service-instance-list li')]
				.filter(li => li.querySelector('.header a'));
			return {
				location: location.pathname,
				instances: rows.length,
				checks: rows.length ? [...rows[0].querySelectorAll('dl.consul-instance-checks')]
					.map(dl => ({class: [...dl.classList], text: dl.querySelector('dd').innerText.trim()})) : [],
			};
		})()`, &list))
		b.screenshot(t, filepath.Join(artifacts, "consului-instances.png"))

		if list.Location != "/ui/dc1/services/hello/instances" {
			t.Errorf("clicking hello went to %s", list.Location)
		}
		if list.Instances != 1 {
			t.Fatalf("service page lists %d instances, want 1", list.Instances)
		}
		want := map[string]bool{"All service checks passing": false, "All node checks passing": false}
		for _, chk := range list.Checks {
			if _, ok := want[chk.Text]; ok {
				want[chk.Text] = true
			}
			if !slices.Equal(chk.Class, []string{"consul-instance-checks", "passing"}) {
				t.Errorf("instance checks %q have classes %q, want [consul-instance-checks passing]", chk.Text, chk.Class)
			}
		}
		for text, seen := range want {
			if !seen {
				t.Errorf("instance row lacks %q; its checks: %+v", text, list.Checks)
			}
		}

		// The instance's own page: its health checks, then Tags & Meta.
		b.run(t, "open the instance", 30*time.Second,
			chromedp.Click(instances, chromedp.ByQuery),
			chromedp.WaitVisible(`.consul-health-check-list li.health-check-output`, chromedp.ByQuery),
		)
		var checks []struct {
			Name    string   `json:"name"`
			Class   []string `json:"class"`
			Service string   `json:"service"`
			Type    string   `json:"type"`
		}
		b.run(t, "read the instance's health checks", 10*time.Second, chromedp.Evaluate(`
			[...document.querySelectorAll('.consul-health-check-list li.health-check-output')].map(li => {
				const f = {};
				for (const dl of li.querySelectorAll('dl')) {
					const dt = dl.querySelector('dt'), dd = dl.querySelector('dd');
					if (dt && dd) f[dt.innerText.trim()] = dd.innerText.trim();
				}
				return {
					name: (li.querySelector('header h2') || {innerText: ''}).innerText.trim(),
					class: [...li.classList],
					service: f.ServiceName || '',
					type: f.Type || '',
				};
			})`, &checks))
		b.screenshot(t, filepath.Join(artifacts, "consului-instance.png"))

		var siteCheck bool
		for _, chk := range checks {
			if !slices.Contains(chk.Class, "passing") {
				t.Errorf("check %q (service %q) has classes %q, want passing", chk.Name, chk.Service, chk.Class)
			}
			if chk.Name == "hello http" && chk.Service == "hello" && chk.Type == "http" {
				siteCheck = true
			}
		}
		if !siteCheck {
			t.Errorf("instance page lacks the site's http check %q; checks: %+v", "hello http", checks)
		}

		meta := `.consul-metadata-list tbody tr td`
		b.run(t, "open Tags & Meta", 30*time.Second,
			chromedp.Click(`nav.tab-nav a[href$="/metadata"]`, chromedp.ByQuery),
			chromedp.WaitVisible(meta, chromedp.ByQuery),
		)
		var kv map[string]string
		b.run(t, "read the instance's meta", 10*time.Second, chromedp.Evaluate(`(() => {
			const kv = {};
			for (const tr of document.querySelectorAll('.consul-metadata-list tbody tr')) {
				const td = tr.querySelectorAll('td');
				if (td.length === 2) kv[td[0].innerText.trim()] = td[1].innerText.trim();
			}
			return kv;
		})()`, &kv))
		b.screenshot(t, filepath.Join(artifacts, "consului-meta.png"))

		t.Logf("instance meta in the UI: %v", kv)
		for k, v := range map[string]string{"hostctl_domains": "hello.localhost", "hostctl_site": "hello", "external-source": "nomad"} {
			if kv[k] != v {
				t.Errorf("meta %s = %q in the UI, want %q", k, kv[k], v)
			}
		}
	})
}

// uiArtifactDir is where the test keeps its screenshots: $HOSTCTL_ARTIFACTS,
// else /tmp/hostctl-artifacts.
func uiArtifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("HOSTCTL_ARTIFACTS")
	if dir == "" {
		dir = "/tmp/hostctl-artifacts"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// uiBrowser is one headless Chromium with one tab, closed when the test's
// cleanups run.
type uiBrowser struct {
	ctx context.Context

	mu   sync.Mutex
	done bool
	logs []string
}

// newUIBrowser starts Chromium on a fresh profile in a temp dir; its crash
// database, caches and temp files (its singleton socket dir) go there too,
// through XDG_CONFIG_HOME, XDG_CACHE_HOME and TMPDIR, not to $HOME or /tmp.
// Call it after newCluster: cleanups run last-registered first, so the
// browser is gone before the cluster is torn down and checked.
func newUIBrowser(t *testing.T) *uiBrowser {
	t.Helper()
	b := &uiBrowser{}
	profile := t.TempDir()
	tmp := filepath.Join(profile, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	// The flags this closed, loopback-only machine needs: no sandbox as
	// root, no GPU, and none of Chromium's own background connections.
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(uiChromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(filepath.Join(profile, "user-data")),
		chromedp.Env(
			"XDG_CONFIG_HOME="+filepath.Join(profile, "config"),
			"XDG_CACHE_HOME="+filepath.Join(profile, "cache"),
			"TMPDIR="+tmp,
		),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx, chromedp.WithErrorf(b.errorf), chromedp.WithLogf(b.errorf))
	// Registered after t.TempDir, so it runs before the profile is removed.
	t.Cleanup(func() {
		b.close(t, ctx, cancelTab, cancelAlloc, profile)
	})
	// The first Run starts the browser, under ctx itself: a timeout on it
	// would close the browser with it.
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("starting %s: %v", uiChromium, err)
	}
	b.ctx = ctx
	return b
}

// close asks Chromium to quit (Browser.close, which chromedp.Cancel sends
// and then waits for the process), falls back to chromedp's cancel
// functions (which kill the process it started and wait for it), and then
// waits for Chromium's helper processes (zygotes, renderers, network and
// storage services, crashpad), which exit on their own once the browser
// is gone, to let go of the profile: until then they may still write to
// it and its removal fails.
func (b *uiBrowser) close(t *testing.T, ctx context.Context, cancelTab, cancelAlloc context.CancelFunc, profile string) {
	closed := make(chan error, 1)
	go func() { closed <- chromedp.Cancel(ctx) }()
	select {
	case err := <-closed:
		if err != nil {
			t.Logf("closing chromium: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Logf("chromium did not quit within 15s of Browser.close; killing it")
	}
	cancelTab()
	cancelAlloc()

	b.mu.Lock()
	b.done = true
	if len(b.logs) > 0 {
		t.Logf("chromedp said:\n%s", strings.Join(b.logs, "\n"))
	}
	b.mu.Unlock()

	deadline := time.Now().Add(10 * time.Second)
	for {
		left := liveProcessesTiedTo(profile)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("chromium processes still running 10s after the browser closed:\n%s", strings.Join(left, "\n"))
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// errorf collects chromedp's own messages but those about CDP events too
// new for the pinned cdproto (e.g. "unknown IPAddressSpace value:
// Loopback"), which this test never listens to.
func (b *uiBrowser) errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if strings.Contains(msg, "could not unmarshal event") {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.done && len(b.logs) < 50 {
		b.logs = append(b.logs, msg)
	}
}

// run runs actions within timeout and fails the test, with a screenshot
// of whatever the page shows, if they do not complete.
func (b *uiBrowser) run(t *testing.T, step string, timeout time.Duration, actions ...chromedp.Action) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	start := time.Now()
	err := chromedp.Run(ctx, actions...)
	if err == nil {
		t.Logf("%s: %s", step, time.Since(start).Round(time.Millisecond))
		return
	}
	var url string
	lctx, lcancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer lcancel()
	_ = chromedp.Run(lctx, chromedp.Location(&url))
	shot := filepath.Join(uiArtifactDir(t), "consului-failure.png")
	b.screenshot(t, shot)
	t.Fatalf("%s: %v after %s (page %s; screenshot %s)", step, err, time.Since(start).Round(time.Millisecond), url, shot)
}

// screenshot saves a full-page PNG of the current page.
func (b *uiBrowser) screenshot(t *testing.T, path string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Errorf("screenshot %s: %v", path, err)
		return
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	t.Logf("screenshot: %s", path)
}
