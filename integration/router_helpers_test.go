package integration

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// upMu serializes starting clusters in the router tests, which then run
// in parallel: freePortBase only sees ports a cluster already holds.
var upMu sync.Mutex

func newRouterCluster(t *testing.T) *cluster {
	upMu.Lock()
	defer upMu.Unlock()
	return newCluster(t)
}

// helloSpec writes a two-instance hello site; version changes its
// environment so each apply is a real redeploy.
func helloSpec(c *cluster, version int) string {
	p := filepath.Join(c.stateDir, "hello.hcl")
	err := os.WriteFile(p, []byte(fmt.Sprintf(`site "hello" {
  domains = ["hello.localhost"]
  app     = "."
  wsgi    = "app:application"
  env {
    DEPLOY = "%d"
  }
  process "web" {
    instances = 2
    workers   = 1
    threads   = 4
  }
  health { path = "/healthz" }
}
`, version)), 0o644)
	if err != nil {
		c.t.Fatal(err)
	}
	return p
}

// load drives a site through the router from a few goroutines with
// keep-alive clients, as browsers would, until stopped, and counts every
// answer that is not a 200 and every transport error.
type load struct {
	ok, failed atomic.Int64
	mu         sync.Mutex
	failures   []string
	allocs     map[string]int
	stop       chan struct{}
	done       sync.WaitGroup
}

func startLoad(t *testing.T, url, host string, workers int) *load {
	l := &load{stop: make(chan struct{}), allocs: map[string]int{}}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	for range workers {
		l.done.Add(1)
		go func() {
			defer l.done.Done()
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				req, _ := http.NewRequest("GET", url+"/", nil)
				req.Host = host
				resp, err := client.Do(req)
				if err != nil {
					l.fail(err.Error())
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 {
					l.fail(fmt.Sprintf("%d %v %.100s", resp.StatusCode, err, body))
					continue
				}
				l.ok.Add(1)
				if _, rest, ok := strings.Cut(string(body), "alloc="); ok {
					l.mu.Lock()
					l.allocs[strings.Fields(rest)[0]]++
					l.mu.Unlock()
				}
			}
		}()
	}
	t.Cleanup(l.finish)
	return l
}

func (l *load) fail(msg string) {
	l.failed.Add(1)
	l.mu.Lock()
	if len(l.failures) < 10 {
		l.failures = append(l.failures, time.Now().Format("15:04:05.000")+" "+msg)
	}
	l.mu.Unlock()
}

func (l *load) finish() {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	l.done.Wait()
}

// check stops the load and fails the test on any failed request, showing
// what the router logged about it (its log is mostly access lines).
func (l *load) check(t *testing.T, c *cluster, what string) {
	t.Helper()
	defer func() {
		// Upstream errors the router retried are worth seeing even when
		// every request succeeded.
		b, _ := os.ReadFile(filepath.Join(c.stateDir, "log", "router.log"))
		shown := 0
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, `"msg":"upstream error"`) || strings.Contains(line, `"msg":"retrying on another instance"`) || strings.Contains(line, `"status":5`) ||
				strings.Contains(line, `"level":"ERROR"`) || t.Failed() && strings.Contains(line, `"level":"WARN"`) {
				if shown++; shown <= 20 {
					t.Logf("router: %.500s", line)
				}
			}
		}
	}()
	l.finish()
	ok, failed := l.ok.Load(), l.failed.Load()
	t.Logf("%s: %d requests ok, %d failed, instances seen %v", what, ok, failed, l.allocs)
	if failed > 0 {
		t.Errorf("%s: %d of %d requests failed; first: %s", what, failed, ok+failed, strings.Join(l.failures, "\n  "))
	}
	if ok < 100 {
		t.Errorf("%s: only %d requests succeeded; the load did not run", what, ok)
	}
}

// listenerPIDs finds the processes holding the listening socket on port
// (a gunicorn master and its workers share it), by socket inode.
func listenerPIDs(t *testing.T, port int) []int {
	t.Helper()
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := fmt.Sprintf("0100007F:%04X", port)
	inode := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 9 && fields[1] == want && fields[3] == "0A" { // 0A: LISTEN
			inode = fields[9]
		}
	}
	if inode == "" {
		t.Fatalf("nothing listens on 127.0.0.1:%d", port)
	}
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		fds, _ := os.ReadDir("/proc/" + e.Name() + "/fd")
		for _, fd := range fds {
			if link, _ := os.Readlink("/proc/" + e.Name() + "/fd/" + fd.Name()); link == "socket:["+inode+"]" {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// routerHealth reads the router's /healthz from the admin port (one above
// the site port in the dev cluster's layout).
func routerHealth(t *testing.T, c *cluster) string {
	t.Helper()
	u := strings.TrimPrefix(c.router, "http://127.0.0.1:")
	port, _ := strconv.Atoi(u)
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", port+1))
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// pidFromFile reads a dev cluster pid file ("PID STARTTIME").
func pidFromFile(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.Fields(string(b))[0])
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// waitGone waits until pid has exited (or is a zombie).
func waitGone(t *testing.T, pid int, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return
		}
		if i := strings.LastIndexByte(string(stat), ')'); i > 0 && strings.HasPrefix(string(stat[i+1:]), " Z") {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("pid %d still running after %s", pid, limit)
}

func kill(t *testing.T, pid int, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(pid, sig); err != nil {
		t.Fatalf("kill %d: %v", pid, err)
	}
}

func waitUntil(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	for ctx.Err() == nil {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s", limit, what)
}

// routerGet asks the router for host's front page.
func routerGet(url, host string) (int, string) {
	req, _ := http.NewRequest("GET", url+"/", nil)
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
