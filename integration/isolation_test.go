package integration

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestSitesCannotReachEachOther deploys two sites on one node and has the
// first try, from inside its own gunicorn, to read the second's files,
// secrets, environment and allocation, and to write where others could
// find it. Every attempt must fail; the same operations on its own files
// must succeed, or the test proves nothing.
func TestSitesCannotReachEachOther(t *testing.T) {
	c := newCluster(t)
	var betaSource string
	for _, name := range []string{"alpha", "beta"} {
		src := c.stage(name, "testdata/prober")
		// Root-only: the sites can run only from the launcher's private
		// copy, and no site can read the code where it was deployed from.
		if err := os.Chmod(src, 0o700); err != nil {
			t.Fatal(err)
		}
		betaSource = src
		spec := filepath.Join(c.stateDir, name+".hcl")
		os.WriteFile(spec, []byte(fmt.Sprintf("site %q {\n  domains = [%q]\n  wsgi = \"app:application\"\n  health { path = \"/?op=id\" }\n}\n",
			name, name+".localhost")), 0o644)
		c.mustRun("site", "apply", spec)
	}
	ask := func(site string, q url.Values) string {
		t.Helper()
		code, body := c.get(site+".localhost", "/?"+q.Encode())
		if code != 200 {
			t.Fatalf("%s %v: HTTP %d %q", site, q, code, body)
		}
		return body
	}
	env := func(site string) map[string]string {
		m := map[string]string{}
		if err := json.Unmarshal([]byte(ask(site, url.Values{"op": {"env"}})), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	alpha, beta := env("alpha"), env("beta")

	t.Run("distinct unprivileged uids", func(t *testing.T) {
		a, b := ask("alpha", url.Values{"op": {"id"}}), ask("beta", url.Values{"op": {"id"}})
		ua, _ := strconv.Atoi(strings.Fields(a)[0])
		ub, _ := strconv.Atoi(strings.Fields(b)[0])
		if ua < 2_000_000 || ub < 2_000_000 || ua == ub {
			t.Errorf("alpha runs as %q, beta as %q: want two different site uids", a, b)
		}
		if !strings.HasSuffix(a, "[]") {
			t.Errorf("alpha has supplementary groups: %q", a)
		}
	})

	// beta leaves something private in each of its directories.
	secretFiles := map[string]string{
		"task dir":   filepath.Join(beta["NOMAD_TASK_DIR"], "private.txt"),
		"alloc data": filepath.Join(beta["NOMAD_ALLOC_DIR"], "data", "private.txt"),
	}
	for where, p := range secretFiles {
		if got := ask("beta", url.Values{"op": {"write"}, "path": {p}, "data": {"beta's"}}); got != "ok" {
			t.Fatalf("beta cannot write its own %s: %s", where, got)
		}
		if got := ask("beta", url.Values{"op": {"read"}, "path": {p}}); got != "ok" {
			t.Fatalf("beta cannot read its own %s: %s", where, got)
		}
	}
	nc := c.nomad()
	betaAllocs, _, err := nc.Jobs().Allocations("beta", false, nil)
	if err != nil || len(betaAllocs) == 0 {
		t.Fatalf("beta allocations: %v", err)
	}
	betaPID := gunicornPID(t, betaAllocs[0].ID)
	allocRoot := filepath.Dir(beta["NOMAD_ALLOC_DIR"])

	denied := []struct{ what, op, path string }{
		{"beta's task dir file", "read", secretFiles["task dir"]},
		{"beta's code (its private copy)", "read", filepath.Join(beta["NOMAD_ALLOC_DIR"], "app", "app.py")},
		{"beta's code in the source tree", "read", filepath.Join(betaSource, "app.py")},
		{"beta's alloc data file", "read", secretFiles["alloc data"]},
		{"beta's task dir listing", "list", beta["NOMAD_TASK_DIR"]},
		{"beta's secrets dir", "list", beta["NOMAD_SECRETS_DIR"]},
		{"beta's allocation listing", "list", allocRoot},
		{"beta's environment", "read", "/proc/" + betaPID + "/environ"},
		{"beta's logs", "list", filepath.Join(beta["NOMAD_ALLOC_DIR"], "logs")},
		{"planting a file in beta's task dir", "write", filepath.Join(beta["NOMAD_TASK_DIR"], "planted")},
		{"writing shared /tmp", "write", "/tmp/hostctl-alpha-was-here"},
		{"writing shared /dev/shm", "write", "/dev/shm/hostctl-alpha-was-here"},
		{"the Nomad data dir listing", "list", filepath.Dir(allocRoot)},
	}
	for _, d := range denied {
		t.Run("denied: "+d.what, func(t *testing.T) {
			got := ask("alpha", url.Values{"op": {d.op}, "path": {d.path}})
			if !strings.HasPrefix(got, "denied:") {
				t.Errorf("alpha %s %s: %q, want denied", d.op, d.path, got)
			}
		})
	}
	t.Run("own directories still work", func(t *testing.T) {
		if got := ask("alpha", url.Values{"op": {"read"}, "path": {filepath.Join(alpha["NOMAD_ALLOC_DIR"], "app", "app.py")}}); got != "ok" {
			t.Errorf("alpha reading its own code: %s", got)
		}
		for _, p := range []string{filepath.Join(alpha["NOMAD_TASK_DIR"], "mine"), filepath.Join(alpha["NOMAD_ALLOC_DIR"], "data", "mine")} {
			if got := ask("alpha", url.Values{"op": {"write"}, "path": {p}, "data": {"x"}}); got != "ok" {
				t.Errorf("alpha writing its own %s: %s", p, got)
			}
		}
	})
	for _, p := range []string{"/tmp/hostctl-alpha-was-here", "/dev/shm/hostctl-alpha-was-here"} {
		if _, err := os.Stat(p); err == nil {
			os.Remove(p)
			t.Errorf("%s was created", p)
		}
	}
}
