package integration

import (
	"bytes"
	"crypto/rand"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestProvisionedSites deploys examples/django with a Postgres database and
// a btrfs media store from the dev cluster, and a second site beside it,
// and checks what the provisioner promises: migrations in the release
// step, a row and an upload read back through the router, no way across to
// the other site's database or files, the quota, a snapshot round trip, a
// password rotation under load, and a purge that backs up before it drops.
func TestProvisionedSites(t *testing.T) {
	c := newCluster(t)
	c.stage("notes", "../examples/django")
	c.stage("other", "../examples/hello")
	spec := filepath.Join(c.stateDir, "provisioned.hcl")
	os.WriteFile(spec, []byte(`
site "notes" {
  domains = ["notes.localhost"]
  app     = "."
  wsgi    = "mysite.wsgi:application"
  release = [
    ["python3", "manage.py", "migrate", "--noinput"],
    ["python3", "manage.py", "collectstatic", "--noinput"],
  ]
  env {
    DJANGO_ALLOWED_HOSTS = "notes.localhost"
    STATIC_ROOT          = "collected" # in the app copy: the release runs there
  }
  static {
    url = "/static/"
    dir = "collected"
  }
  process "web" {
    instances = 2
    workers   = 1
  }
  health { path = "/healthz" }
  database { connection_limit = 10 }
  media { quota = "4MiB" }
}
site "other" {
  domains = ["other.localhost"]
  app     = "."
  wsgi    = "app:application"
  health { path = "/healthz" }
  database {}
  media { quota = "4MiB" }
}
`), 0o644)
	c.mustRun("site", "apply", spec)
	// Applying again changes nothing: same database, same store, same job.
	if out, err := c.run("site", "plan", spec); err != nil || !strings.Contains(out, "no changes") {
		t.Errorf("plan after apply: %v\n%s", err, out)
	}
	c.mustRun("site", "apply", spec)

	web := newBrowser(t, c, "notes.localhost")
	t.Run("row and upload through the router", func(t *testing.T) {
		web.t = t
		web.post("/", url.Values{"text": {"stored in postgres"}})
		if _, body := web.get("/"); !strings.Contains(body, "stored in postgres") {
			t.Errorf("the note did not come back:\n%s", body)
		}
		payload := make([]byte, 64<<10)
		rand.Read(payload)
		loc := web.upload("/upload", "photo.bin", payload)
		if loc != "/media/uploads/photo.bin" {
			t.Fatalf("upload answered %q", loc)
		}
		// Served by the router straight from the site's subvolume.
		if code, body := web.get(loc); code != 200 || body != string(payload) {
			t.Errorf("GET %s: %d, %d bytes, identical=%v", loc, code, len(body), body == string(payload))
		}
	})

	t.Run("static files the release collected, served without Python", func(t *testing.T) {
		testCollectedStatic(t, c)
	})

	runAs := func(site, script string) (string, error) {
		return c.run("site", "run", site, "--", "python3", "-c", script)
	}
	t.Run("isolation between sites", func(t *testing.T) {
		out, err := runAs("other", `import os, psycopg2
try:
    psycopg2.connect(host=os.environ["PGHOST"], port=os.environ["PGPORT"], user=os.environ["PGUSER"], password=os.environ["PGPASSWORD"], dbname="notes")
    print("CONNECTED")
except psycopg2.OperationalError as e:
    print("refused:", e)
own = psycopg2.connect(os.environ["DATABASE_URL"]); own.cursor().execute("select 1"); print("own db ok")
media = os.path.join(os.path.dirname(os.environ["MEDIA_ROOT"]), "notes")
try:
    print("LISTED", os.listdir(media))
except PermissionError:
    print("media denied")
`)
		if err != nil || strings.Contains(out, "CONNECTED") || !strings.Contains(out, "refused:") ||
			!strings.Contains(out, "own db ok") || strings.Contains(out, "LISTED") || !strings.Contains(out, "media denied") {
			t.Errorf("other site reached notes' data, or lost its own: %v\n%s", err, out)
		}
	})

	t.Run("quota", func(t *testing.T) {
		out, err := runAs("other", `import errno, os
p = os.path.join(os.environ["MEDIA_ROOT"], "big")
try:
    with open(p, "wb") as f:
        for _ in range(16):
            f.write(b"x" * (1 << 20)); f.flush(); os.fsync(f.fileno())
    print("WROTE 16MiB")
except OSError as e:
    print("refused:", errno.errorcode[e.errno])
`)
		if err != nil || !strings.Contains(out, "refused: EDQUOT") {
			t.Errorf("writing past the 4MiB quota: %v\n%s", err, out)
		}
		if code, _ := c.get("other.localhost", "/"); code != 200 {
			t.Errorf("site after hitting its quota: %d", code)
		}
	})

	t.Run("snapshot round trip", func(t *testing.T) {
		web.t = t
		snap := strings.TrimSpace(c.mustRun("media", "snapshot", "notes"))
		if out := c.mustRun("media", "list", "notes"); !strings.Contains(out, snap) {
			t.Fatalf("media list lacks %s:\n%s", snap, out)
		}
		_, before := web.get("/media/uploads/photo.bin")
		if out, err := runAs("notes", `import os; open(os.path.join(os.environ["MEDIA_ROOT"], "uploads", "photo.bin"), "wb").write(b"overwritten")`); err != nil {
			t.Fatalf("overwrite: %v\n%s", err, out)
		}
		if _, body := web.get("/media/uploads/photo.bin"); body != "overwritten" {
			t.Fatalf("overwrite not visible: %q", body)
		}
		c.mustRun("media", "restore", "notes", snap)
		if _, after := web.get("/media/uploads/photo.bin"); after != before {
			t.Errorf("restored file differs: %d bytes, want %d", len(after), len(before))
		}
		if out := c.mustRun("media", "send", "notes"); !strings.Contains(out, ".full.btrfs") {
			t.Errorf("first send is not a full stream: %s", out)
		}
	})

	t.Run("rotate without downtime", func(t *testing.T) {
		web.t = t
		var total, failed atomic.Int64
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				default:
				}
				// The index page queries the database on every request.
				if code, body := web.get("/"); code != 200 {
					failed.Add(1)
					t.Logf("during rotation: %d %.200s", code, body)
				}
				total.Add(1)
				time.Sleep(20 * time.Millisecond)
			}
		}()
		out, err := c.run("db", "rotate", "notes")
		close(stop)
		<-done
		if err != nil || !strings.Contains(out, "now connects as notes_alt") {
			t.Errorf("db rotate: %v\n%s", err, out)
		}
		t.Logf("%d requests during the rotation, %d failed", total.Load(), failed.Load())
		if failed.Load() != 0 || total.Load() == 0 {
			t.Errorf("%d of %d requests failed during the rotation", failed.Load(), total.Load())
		}
		if _, body := web.get("/"); !strings.Contains(body, "stored in postgres") {
			t.Errorf("after rotation the note is gone:\n%s", body)
		}
	})

	t.Run("dump", func(t *testing.T) {
		file := filepath.Join(c.stateDir, "notes.pgdump")
		c.mustRun("db", "dump", "-f", file, "notes")
		if b, err := os.ReadFile(file); err != nil || !bytes.HasPrefix(b, []byte("PGDMP")) {
			t.Errorf("dump is not a pg_dump archive: %v", err)
		}
	})

	t.Run("hostile names are refused", func(t *testing.T) {
		for _, name := range []string{`a"; DROP ROLE postgres; --`, "../../etc", strings.Repeat("a", 200), "café"} {
			for _, cmd := range [][]string{{"db", "dump", name}, {"media", "snapshot", name}, {"site", "destroy", "--purge", name}} {
				if out, err := c.run(cmd...); err == nil || !strings.Contains(out, "site name") {
					t.Errorf("%v accepted: %v\n%s", cmd, err, out)
				}
			}
		}
	})

	t.Run("destroy keeps data, purge backs up then drops", func(t *testing.T) {
		c.mustRun("site", "destroy", "other")
		media := filepath.Join(c.stateDir, "media", "sites", "other")
		if _, err := os.Stat(media); err != nil {
			t.Fatalf("destroy without --purge removed the media store: %v", err)
		}
		c.mustRun("site", "apply", spec) // comes back with its data
		out := c.mustRun("site", "destroy", "--purge", "other")
		dumps, _ := filepath.Glob(filepath.Join(c.stateDir, "backups", "other", "final-*.pgdump"))
		streams, _ := filepath.Glob(filepath.Join(c.stateDir, "backups", "other", "other.*.btrfs"))
		if len(dumps) != 1 || len(streams) != 1 {
			t.Errorf("purge backups: dumps %v streams %v\n%s", dumps, streams, out)
		}
		if _, err := os.Stat(media); !os.IsNotExist(err) {
			t.Errorf("media store still there after purge: %v", err)
		}
		if out, err := c.run("db", "dump", "other"); err == nil {
			t.Errorf("database survived the purge:\n%.200s", out)
		}
	})
	c.mustRun("site", "destroy", "notes")
}

// testCollectedStatic fetches what the release step's collectstatic wrote
// into each instance's app copy (nowhere on the router's disk): the exact
// bytes, from the instances' static servers. Django answers no request for
// them: the responses lack the X-Frame-Options its middleware adds to
// every answer, and gunicorn's access log never shows them, while a page
// requested as the control shows in both.
func testCollectedStatic(t *testing.T, c *cluster) {
	files := map[string]string{
		"/static/notes/style.css":        "../examples/django/notes/static/notes/style.css",
		"/static/admin/css/base.css":     "/usr/lib/python3/dist-packages/django/contrib/admin/static/admin/css/base.css",
		"/static/admin/img/icon-yes.svg": "/usr/lib/python3/dist-packages/django/contrib/admin/static/admin/img/icon-yes.svg",
	}
	get := func(path string) (int, []byte, http.Header) {
		resp, err := http.DefaultClient.Do(c.request("notes.localhost", path))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b, resp.Header
	}
	if code, _, h := get("/?static-control"); code != 200 || h.Get("X-Frame-Options") == "" {
		t.Fatalf("control page: %d, X-Frame-Options %q: Django should have answered it", code, h.Get("X-Frame-Options"))
	}
	// Several rounds: each instance serves its own copy.
	for range 4 {
		for path, src := range files {
			want, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			code, body, h := get(path)
			if code != 200 || !bytes.Equal(body, want) || h.Get("X-Frame-Options") != "" {
				t.Errorf("GET %s: %d, %d bytes (want %d, identical %v), X-Frame-Options %q", path, code, len(body), len(want), bytes.Equal(body, want), h.Get("X-Frame-Options"))
			}
		}
	}
	for _, path := range []string{"/static/notes/missing.css", "/static/../manage.py", "/static/admin/"} {
		if code, _, _ := get(path); code != 404 {
			t.Errorf("GET %s: %d, want 404", path, code)
		}
	}
	var logs string
	waitFor(t, 10*time.Second, "the control request in gunicorn's access log", func() bool {
		logs = c.mustRun("site", "logs", "notes")
		return strings.Contains(logs, "static-control")
	})
	if strings.Contains(logs, "/static/") {
		t.Errorf("gunicorn was asked for static files:\n%s", logs)
	}
}

// browser talks to one site through the router keeping Django's CSRF
// cookie, so the site's CSRF protection sees what a real browser sends.
// (net/http's cookie jar keys cookies by the URL's host, 127.0.0.1 here,
// and drops the ones answered for the Host header's name.)
type browser struct {
	t      *testing.T
	router string
	host   string
	client *http.Client
	token  string
}

func newBrowser(t *testing.T, c *cluster, host string) *browser {
	return &browser{t: t, router: c.router, host: host, client: &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (b *browser) do(req *http.Request) (int, string) {
	b.t.Helper()
	req.Host = b.host
	if b.token != "" {
		req.AddCookie(&http.Cookie{Name: "csrftoken", Value: b.token})
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "csrftoken" {
			b.token = ck.Value
		}
	}
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (b *browser) get(path string) (int, string) {
	req, _ := http.NewRequest("GET", b.router+path, nil)
	return b.do(req)
}

// csrf fetches the page once for Django's CSRF cookie and returns it.
func (b *browser) csrf() string {
	b.t.Helper()
	if code, body := b.get("/"); b.token == "" {
		b.t.Fatalf("no csrftoken cookie from the site: GET / answered %d %.500s", code, body)
	}
	return b.token
}

func (b *browser) post(path string, form url.Values) {
	b.t.Helper()
	token := b.csrf()
	req, _ := http.NewRequest("POST", b.router+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRFToken", token)
	if code, body := b.do(req); code != http.StatusFound {
		b.t.Fatalf("POST %s: %d %.300s", path, code, body)
	}
}

func (b *browser) upload(path, name string, data []byte) string {
	b.t.Helper()
	token := b.csrf()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", b.router+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-CSRFToken", token)
	code, body := b.do(req)
	if code != http.StatusCreated {
		b.t.Fatalf("upload: %d %.300s", code, body)
	}
	return strings.TrimSpace(body)
}
