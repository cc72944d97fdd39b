package deploy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/jobs"
)

func mediaSite(t *testing.T, src, root string) jobs.Site {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(src, "shop"), 0o755); err != nil {
		t.Fatal(err)
	}
	sites, err := jobs.ParseSource("shop.hcl", []byte(`site "shop" {
  domains = ["shop.example.com"]
  app     = "."
  wsgi    = "app:application"
  media { quota = "1GiB" }
  process "worker" { command = ["python", "worker.py"] }
  cron "tick" {
    schedule = "@hourly"
    command  = ["true"]
  }
}
`), jobs.Options{SourceRoot: src})
	if err != nil {
		t.Fatal(err)
	}
	s := sites[0]
	s.Media.Root, s.Media.Dir = root, filepath.Join(root, "sites", s.Name)
	return s
}

// versionKey is the one thing Repin leaves as it was (see Repin).
var versionKey = regexp.MustCompile(`"--version-key","[0-9a-f]{64}"`)

func jobJSON(t *testing.T, job *nomad.Job) string {
	t.Helper()
	b, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	return versionKey.ReplaceAllString(string(b), `"--version-key","KEY"`)
}

// Repin must give the job rendering the spec against the new store would:
// if jobs.Render puts the store's directory somewhere new, this fails.
func TestRepinIsRenderingOnTheNewStore(t *testing.T) {
	const uid = 2_000_001
	src := t.TempDir()
	before, after := mediaSite(t, src, "/srv/media/node-1"), mediaSite(t, src, "/srv/media/node-2")
	want := append([]*nomad.Job{jobs.Render(after, uid)}, jobs.RenderCrons(after, uid)...)
	for i, job := range append([]*nomad.Job{jobs.Render(before, uid)}, jobs.RenderCrons(before, uid)...) {
		got, err := Repin(job, "shop", "/srv/media/node-2")
		if err != nil {
			t.Fatal(err)
		}
		if g, w := jobJSON(t, got), jobJSON(t, want[i]); g != w {
			t.Errorf("%s repinned:\n got %s\nwant %s", *job.ID, g, w)
		}
		if jobJSON(t, job) == jobJSON(t, got) {
			t.Errorf("%s: Repin changed the job passed in, or nothing", *job.ID)
		}
	}
}

func TestRepinRefuses(t *testing.T) {
	site := mediaSite(t, t.TempDir(), "/srv/media/node-1")
	for _, root := range []string{"relative", "/srv/a,/media/=/etc", "/srv/../etc", "/"} {
		if _, err := Repin(jobs.Render(site, 2_000_001), "shop", root); err == nil {
			t.Errorf("Repin to %q succeeded", root)
		}
	}
	site.Media = nil
	if _, err := Repin(jobs.Render(site, 2_000_001), "shop", "/srv/media/node-2"); err == nil {
		t.Error("Repin of a job without media succeeded")
	}
}
