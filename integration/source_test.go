package integration

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hostctl/hostctl/sandbox"
)

// versionApp answers with its version and the interpreter prefix it runs
// in, so the test sees both which code was fetched and that it runs in the
// site's virtualenv.
const versionApp = `import sys
VERSION = %q
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("version %%s prefix %%s" %% (VERSION, sys.prefix)).encode()]
`

// TestFetchedSources deploys one site from a git repository at a tag (and
// then at a branch) and one from a checksummed archive, both served over
// HTTP on loopback, and checks a bad checksum fails the deploy quickly
// while the previous version keeps serving.
func TestFetchedSources(t *testing.T) {
	c := newCluster(t)
	serve := filepath.Join(c.stateDir, "serve")
	os.MkdirAll(serve, 0o755)
	makeGitRepo(t, filepath.Join(c.stateDir, "work"), filepath.Join(serve, "blog.git"))
	sum := makeArchive(t, filepath.Join(serve, "shop-1.0.tar.gz"), map[string]string{
		"app.py": fmt.Sprintf(versionApp, "archive"), "requirements.txt": "Flask\n",
	})
	base := startFileServer(t, serve)
	// Sources on loopback are refused unless the operator trusts the host:
	// here it is the test's own file server.
	c.env = append(c.env, "HOSTCTL_TRUSTED_SOURCE_HOSTS="+strings.TrimPrefix(base, "http://"))

	spec := func(ref, checksum string) string {
		p := filepath.Join(c.stateDir, "fetched.hcl")
		os.WriteFile(p, []byte(fmt.Sprintf(`
site "blog" {
  domains = ["blog.localhost"]
  wsgi    = "app:application"
  source {
    git = "%s/blog.git"
    ref = %q
    dir = "src"
  }
}
site "shop" {
  domains = ["shop.localhost"]
  wsgi    = "app:application"
  requirements = "requirements.txt"
  source {
    archive  = "%s/shop-1.0.tar.gz"
    checksum = "sha256:%s"
  }
}
`, base, ref, base, checksum)), 0o644)
		return p
	}
	body := func(host string) string {
		code, b := c.get(host, "/")
		if code != 200 {
			t.Fatalf("%s: %d %s", host, code, b)
		}
		return b
	}

	c.mustRun("site", "apply", spec("v1", sum))
	// The version's virtualenv, kept in the site's store on the node.
	inVenv := func(b string) bool {
		return strings.Contains(b, "/"+sandbox.StoreDirName+"/") && strings.Contains(b, "/venvs/")
	}
	if b := body("blog.localhost"); !strings.HasPrefix(b, "version one ") || !inVenv(b) {
		t.Errorf("blog at v1 answered %q, want version one from the site's virtualenv", b)
	}
	if b := body("shop.localhost"); !strings.HasPrefix(b, "version archive ") || !inVenv(b) {
		t.Errorf("shop answered %q", b)
	}

	// A new ref is a new job version: plan shows it, apply deploys it.
	out, err := c.run("site", "plan", spec("main", sum))
	if exitCode(err) != 2 || !strings.Contains(out, `"v1" => "main"`) {
		t.Errorf("plan for a new ref: exit %d\n%s", exitCode(err), out)
	}
	c.mustRun("site", "apply", spec("main", sum))
	if b := body("blog.localhost"); !strings.HasPrefix(b, "version two ") {
		t.Errorf("blog at main answered %q, want version two", b)
	}

	// The archive changed under its URL (or was tampered with): the
	// download is refused, the deploy fails fast, the last version serves.
	t0 := time.Now()
	out, err = c.run("site", "apply", spec("main", strings.Repeat("0", 64)))
	took := time.Since(t0)
	if err == nil || !strings.Contains(out, "deployment failed") || !strings.Contains(strings.ToLower(out), "checksum") {
		t.Errorf("apply with a wrong checksum: err=%v\n%s", err, out)
	}
	t.Logf("a refused download failed the deploy in %s", took.Round(100*time.Millisecond))
	if b := body("shop.localhost"); !strings.HasPrefix(b, "version archive ") {
		t.Errorf("after the failed deploy shop answered %q", b)
	}
	c.mustRun("site", "destroy", "blog")
	c.mustRun("site", "destroy", "shop")
}

// makeGitRepo commits version one under src/, tags it v1, commits version
// two on main, and publishes a bare copy that plain HTTP can serve.
func makeGitRepo(t *testing.T, work, bare string) {
	t.Helper()
	os.MkdirAll(filepath.Join(work, "src"), 0o755)
	git := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=hostctl", "-c", "user.email=test@hostctl.invalid", "-c", "init.defaultBranch=main"}, args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	write := func(version string) {
		os.WriteFile(filepath.Join(work, "src", "app.py"), []byte(fmt.Sprintf(versionApp, version)), 0o644)
	}
	git(work, "init", "-q")
	write("one")
	git(work, "add", ".")
	git(work, "commit", "-q", "-m", "one")
	git(work, "tag", "v1")
	write("two")
	git(work, "commit", "-q", "-am", "two")
	git(filepath.Dir(bare), "clone", "-q", "--bare", work, bare)
	// The "dumb" HTTP protocol: any static file server can serve the repo.
	git(bare, "update-server-info")

}

// makeArchive writes a .tar.gz of files and returns its sha256.
func makeArchive(t *testing.T, path string, files map[string]string) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	gz := gzip.NewWriter(io.MultiWriter(f, h))
	tw := tar.NewWriter(gz)
	for name, body := range files {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(body))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return hex.EncodeToString(h.Sum(nil))
}

// startFileServer serves dir on a loopback port for the Nomad client to
// fetch from, and returns its base URL.
func startFileServer(t *testing.T, dir string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir)), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}
