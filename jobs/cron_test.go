package jobs

import (
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
)

func TestCrons(t *testing.T) {
	src := `site "shop" {
  domains = ["shop.test"]
  app     = "app"
  wsgi    = "app"
  secrets = ["TOKEN"]
  cron "cleanup" {
    schedule = "15 3 * * *"
    timezone = "Europe/Paris"
    command  = ["/usr/bin/python3", "manage.py", "clearsessions"]
    memory   = "64MiB"
  }
  cron "ping" {
    schedule = "@hourly"
    command  = ["/bin/true"]
  }
}`
	sites, err := ParseSource("testdata/shop.hcl", []byte(src), testOptions(t, "shop"))
	if err != nil {
		t.Fatal(err)
	}
	s := sites[0]
	if len(s.Crons) != 2 || s.Crons[0].TimeZone != "Europe/Paris" || s.Crons[0].MemoryMB != 64 {
		t.Fatalf("crons = %+v", s.Crons)
	}
	js := RenderCrons(s, 2000005)
	if len(js) != 2 {
		t.Fatalf("cron jobs = %d", len(js))
	}
	j := js[0]
	if *j.ID != "shop-cron-cleanup" || *j.Type != "batch" || j.Meta[contract.MetaCronOf] != "shop" || j.Meta[contract.MetaSite] != "" {
		t.Errorf("job id=%s type=%s meta=%v", *j.ID, *j.Type, j.Meta)
	}
	if p := j.Periodic; *p.Spec != "15 3 * * *" || *p.TimeZone != "Europe/Paris" || !*p.ProhibitOverlap {
		t.Errorf("periodic = %+v", p)
	}
	task := j.TaskGroups[0].Tasks[0]
	args := task.Config["args"].([]string)
	// Through the launcher as the site, with the site's code (the
	// launcher's flags are render.go's to test), then the command as is.
	tail := []string{"--", "/usr/bin/python3", "manage.py", "clearsessions"}
	if !slices.Equal(args[:3], []string{"launch", "--uid", "2000005"}) || !slices.Contains(args, s.CodeRoot) ||
		len(args) < len(tail) || !slices.Equal(args[len(args)-len(tail):], tail) {
		t.Errorf("args = %v", args)
	}
	if len(task.Templates) != 1 || !strings.Contains(*task.Templates[0].EmbeddedTmpl, "TOKEN") {
		t.Error("cron runs without the site's secrets")
	}
	if *j.TaskGroups[0].RestartPolicy.Attempts != 0 {
		t.Error("a failed cron run is retried; the next run should be the retry")
	}
}

func TestCronRejects(t *testing.T) {
	site := func(cron string) string {
		return "site \"x\" {\n  domains = [\"x.localhost\"]\n  app = \"app\"\n  wsgi = \"app\"\n" + cron + "}\n"
	}
	cases := []struct{ name, src, want string }{
		{"bad schedule", site("  cron \"a\" {\n    schedule = \"61 * * * *\"\n    command = [\"x\"]\n  }\n"), "bad.hcl:6:16"},
		{"six fields", site("  cron \"a\" {\n    schedule = \"0 0 * * * *\"\n    command = [\"x\"]\n  }\n"), "has 6 fields"},
		{"bad zone", site("  cron \"a\" {\n    schedule = \"@daily\"\n    timezone = \"Mars/Base\"\n    command = [\"x\"]\n  }\n"), "bad.hcl:7:16"},
		{"empty command", site("  cron \"a\" {\n    schedule = \"@daily\"\n    command = []\n  }\n"), "needs command"},
		{"bad name", site("  cron \"A_B\" {\n    schedule = \"@daily\"\n    command = [\"x\"]\n  }\n"), "bad.hcl:5:8"},
	}
	o := testOptions(t, "x")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseSource("testdata/bad.hcl", []byte(c.src), o)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
}

// A cron of a site with media writes the same store as its web instances,
// so it must run on the node that holds it.
func TestCronsRunWhereTheMediaIs(t *testing.T) {
	src := `site "shop" {
  domains = ["shop.test"]
  app     = "app"
  wsgi    = "app"
  media { quota = "1GiB" }
  cron "thumbs" {
    schedule = "@hourly"
    command  = ["/bin/true"]
  }
}`
	sites, err := ParseSource("testdata/shop.hcl", []byte(src), testOptions(t, "shop"))
	if err != nil {
		t.Fatal(err)
	}
	s := sites[0]
	s.Media.Root, s.Media.Dir = "/srv/media", "/srv/media/sites/shop"
	want := "${meta." + contract.MediaRootMeta + "}"
	for _, j := range append(RenderCrons(s, 2000005), Render(s, 2000005)) {
		if !slices.ContainsFunc(j.Constraints, func(c *api.Constraint) bool { return c.LTarget == want && c.RTarget == "/srv/media" }) {
			t.Errorf("job %s may run away from its media store: %+v", *j.ID, j.Constraints)
		}
	}
}
