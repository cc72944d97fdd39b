package integration

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostctl/hostctl/siteops"
)

// TestSleepingSites runs the life of a site that sleeps when idle, on one
// cluster whose caps allow a 5 s idle time: it sleeps and leaves no
// process; a request wakes it; concurrent requests during a wake all
// succeed; an open websocket or stream keeps it awake; a site that cannot
// start answers 503 within the wake timeout; it survives a router restart
// asleep; destroyed while asleep, its hosts answer 404.
func TestSleepingSites(t *testing.T) {
	c := newCluster(t)
	limits := c.writeSpec("limits.hcl", "limits {\n  min_sleep_after = 1\n}\n")
	c.env = append(c.env, "HOSTCTL_LIMITS="+limits)
	c.stage("sleepy", "testdata/sleepy")
	spec := c.writeSpec("sleepy.hcl", `site "sleepy" {
  domains     = ["sleepy.localhost"]
  app         = "."
  wsgi        = "app:application"
  sleep_after = "5s"
  # Writes a fresh token each time it runs; a wake restores it instead.
  release = [["python3", "-c", "import uuid; open('release.txt', 'w').write(uuid.uuid4().hex)"]]
  process "web" {
    workers = 1
    threads = 8
  }
  health { path = "/" }
}
`)
	c.mustRun("site", "apply", spec)

	status := func() siteops.SiteStatus {
		t.Helper()
		var st siteops.SiteStatus
		if err := json.Unmarshal([]byte(c.mustRun("site", "status", "-o", "json", "sleepy")), &st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	waitAsleep := func(within time.Duration) time.Duration {
		t.Helper()
		t0 := time.Now()
		for time.Since(t0) < within {
			if status().Sleep.Asleep {
				return time.Since(t0)
			}
			time.Sleep(250 * time.Millisecond)
		}
		t.Fatalf("sleepy still awake after %s: %+v", within, status())
		return 0
	}
	uid := func() int { n, _ := strconv.Atoi(status().UID); return n }()

	release := func(body string) string {
		_, token, _ := strings.Cut(strings.TrimSpace(body), " release=")
		return token
	}
	deployed := ""
	t.Run("sleeps after its idle time and leaves no process", func(t *testing.T) {
		code, body := c.get("sleepy.localhost", "/")
		if code != 200 || !strings.Contains(body, "site=sleepy") || len(release(body)) != 32 {
			t.Fatalf("awake: %d %q", code, body)
		}
		deployed = release(body)
		took := waitAsleep(60 * time.Second)
		t.Logf("asleep %s after the last request (sleep_after 5s)", took.Round(100*time.Millisecond))
		deadline := time.Now().Add(30 * time.Second)
		for len(processesOfUID(uid, c.stateDir)) > 0 && time.Now().Before(deadline) {
			time.Sleep(250 * time.Millisecond)
		}
		if left := processesOfUID(uid, c.stateDir); len(left) > 0 {
			t.Fatalf("processes of the sleeping site's uid %d: %v", uid, left)
		}
		if st := status(); st.Sleep.Counts["web"] != 1 {
			t.Errorf("the marker should restore web=1: %+v", st.Sleep)
		}
	})

	t.Run("a request wakes it", func(t *testing.T) {
		t0 := time.Now()
		code, body := c.get("sleepy.localhost", "/")
		if code != 200 || !strings.Contains(body, "site=sleepy") {
			t.Fatalf("wake: %d %q", code, body)
		}
		t.Logf("woken and answered in %s", time.Since(t0).Round(time.Millisecond))
		if got := release(body); got != deployed {
			t.Errorf("the wake reran the release step of an unchanged version: release.txt %q, deployed %q", got, deployed)
		}
		if len(processesOfUID(uid, c.stateDir)) == 0 {
			t.Error("answered, but no process runs as the site")
		}
	})

	t.Run("concurrent requests during a wake all succeed", func(t *testing.T) {
		c.mustRun("site", "sleep", "sleepy")
		if !status().Sleep.Asleep {
			t.Fatal("site sleep left it awake")
		}
		const n = 50
		codes := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = getCode(c.router, "sleepy.localhost", "/")
			}()
		}
		wg.Wait()
		for i, code := range codes {
			if code != 200 {
				t.Errorf("request %d: %d", i, code)
			}
		}
	})

	t.Run("an open websocket keeps it awake", func(t *testing.T) {
		conn := openWebsocket(t, c.router, "sleepy.localhost")
		time.Sleep(15 * time.Second) // three idle times, nothing but the open socket
		if status().Sleep.Asleep {
			t.Error("fell asleep with a websocket open")
		}
		conn.Close()
		waitAsleep(60 * time.Second)
	})

	t.Run("a site that cannot start answers 503 within its wake timeout", func(t *testing.T) {
		app := filepath.Join(c.sourceRoot(), "sleepy", "app.py")
		good, err := os.ReadFile(app)
		if err != nil {
			t.Fatal(err)
		}
		// Each new instance copies the code from the source tree: a
		// broken file there breaks the next wake.
		if err := os.WriteFile(app, []byte("raise SystemExit('broken on purpose')\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		code := getCode(c.router, "sleepy.localhost", "/")
		took := time.Since(t0)
		if code != 503 {
			t.Errorf("a site that cannot start: %d, want 503", code)
		}
		if took > 45*time.Second {
			t.Errorf("the 503 came after %s, past the wake timeout", took)
		}
		t.Logf("503 after %s", took.Round(100*time.Millisecond))
		if st := status(); st.Sleep.WakeError == "" {
			t.Errorf("site status does not say why the wake failed: %+v", st.Sleep)
		}
		os.WriteFile(app, good, 0o644)
		c.mustRun("site", "sleep", "sleepy")
	})

	t.Run("asleep, it survives a router restart and still wakes", func(t *testing.T) {
		if !status().Sleep.Asleep {
			c.mustRun("site", "sleep", "sleepy")
		}
		c.restartRouter()
		if code, body := c.get("sleepy.localhost", "/"); code != 200 || !strings.Contains(body, "site=sleepy") {
			t.Fatalf("after a router restart: %d %q", code, body)
		}
	})

	t.Run("a new version applied while asleep stays asleep and wakes on its new domain", func(t *testing.T) {
		if !status().Sleep.Asleep {
			c.mustRun("site", "sleep", "sleepy")
		}
		next := c.writeSpec("sleepy-v2.hcl", strings.Replace(mustRead(t, spec), `domains     = ["sleepy.localhost"]`,
			`domains     = ["sleepy.localhost", "new.sleepy.localhost"]`, 1))
		out := c.mustRun("site", "apply", next)
		if st := status(); !st.Sleep.Asleep || !strings.Contains(out, "is asleep") {
			t.Fatalf("apply woke it: %+v\n%s", st.Sleep, out)
		}
		// Its instances from before `site sleep` may still be shutting
		// down; what matters is that the new version starts none.
		job, _, err := c.nomad().Jobs().Info("sleepy", nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range job.TaskGroups {
			if *tg.Count != 0 {
				t.Errorf("group %s registered with %d instances while asleep", *tg.Name, *tg.Count)
			}
		}
		allocs, _, err := c.nomad().Jobs().Allocations("sleepy", false, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range allocs {
			if a.DesiredStatus == "run" && a.JobVersion == *job.Version {
				t.Errorf("allocation %s of the new version is wanted running", a.ID[:8])
			}
		}
		code, body := c.get("new.sleepy.localhost", "/")
		if code != 200 || !strings.Contains(body, "site=sleepy") {
			t.Fatalf("the new domain: %d %q", code, body)
		}
		if got := release(body); got == deployed || len(got) != 32 {
			t.Errorf("a new version's first wake did not run its release step: release.txt %q (before: %q)", got, deployed)
		}
	})

	t.Run("a new site applied asleep starts nothing until its first request", func(t *testing.T) {
		c.stage("drowsy", "testdata/sleepy")
		drowsy := c.writeSpec("drowsy.hcl", strings.NewReplacer(`site "sleepy"`, `site "drowsy"`, "sleepy.localhost", "drowsy.localhost").Replace(mustRead(t, spec)))
		out := c.mustRun("site", "apply", "--asleep", drowsy)
		var st siteops.SiteStatus
		if err := json.Unmarshal([]byte(c.mustRun("site", "status", "-o", "json", "drowsy")), &st); err != nil {
			t.Fatal(err)
		}
		if !st.Sleep.Asleep || st.Sleep.Counts["web"] != 1 || !strings.Contains(out, "is asleep") {
			t.Fatalf("apply --asleep: %+v\n%s", st.Sleep, out)
		}
		if allocs, _, err := c.nomad().Jobs().Allocations("drowsy", true, nil); err != nil || len(allocs) != 0 {
			t.Fatalf("allocations of a site applied asleep: %d %v", len(allocs), err)
		}
		// apply --asleep waits for no router (a probe would wake it): the
		// routers learn of its marker within a second, answering 404
		// until then. The first request they route wakes it.
		code, body := c.get("drowsy.localhost", "/")
		for deadline := time.Now().Add(5 * time.Second); code == http.StatusNotFound && time.Now().Before(deadline); {
			time.Sleep(100 * time.Millisecond)
			code, body = c.get("drowsy.localhost", "/")
		}
		if code != 200 || !strings.Contains(body, "site=drowsy") || len(release(body)) != 32 {
			t.Fatalf("first request: %d %q", code, body)
		}
	})

	t.Run("destroyed while asleep, its hosts answer 404", func(t *testing.T) {
		c.mustRun("site", "sleep", "sleepy")
		c.mustRun("site", "destroy", "sleepy")
		deadline := time.Now().Add(10 * time.Second)
		for getCode(c.router, "sleepy.localhost", "/") != 404 {
			if time.Now().After(deadline) {
				t.Fatal("still routed after destroy")
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

func getCode(router, host, path string) int {
	req, _ := http.NewRequest("GET", router+path, nil)
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1
	}
	resp.Body.Close()
	return resp.StatusCode
}

// openWebsocket performs a websocket handshake through the router and
// returns the open connection.
func openWebsocket(t *testing.T, router, host string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(router, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", host)
	conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		conn.Close()
		t.Fatalf("websocket handshake: %v %v", resp, err)
	}
	conn.SetReadDeadline(time.Time{})
	return conn
}

// processesOfUID lists the live processes running as uid in the cluster
// whose state is in dir: other clusters on the machine (a benchmark, another
// test) hand out the same uids.
func processesOfUID(uid int, dir string) []string {
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) > 1 && f[0] == "Uid:" && f[1] == strconv.Itoa(uid) {
				st, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
				cwd, _ := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
				cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
				ours := strings.HasPrefix(cwd, dir+"/") || strings.Contains(string(cmdline), dir+"/")
				if ours && !strings.Contains(string(st), ") Z ") {
					out = append(out, strconv.Itoa(pid))
				}
			}
		}
	}
	return out
}

// restartRouter stops the dev cluster's router by the PID it recorded and
// lets `dev up` start it again, as an operator would after a crash.
func (c *cluster) restartRouter() {
	c.t.Helper()
	b, err := os.ReadFile(filepath.Join(c.stateDir, "run", "router.pid"))
	if err != nil {
		c.t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.Fields(string(b))[0])
	if err != nil {
		c.t.Fatal(err)
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		c.t.Fatal(err)
	}
	p.Kill()
	for i := 0; i < 100; i++ {
		st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || strings.Contains(string(st), ") Z ") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Consul's HTTP port is the cluster's port base.
	_, base, _ := strings.Cut(c.envValue("CONSUL_HTTP_ADDR"), ":")
	c.mustRun("dev", "up", "--port-base", base)
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
