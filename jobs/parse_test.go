package jobs

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseDefaults(t *testing.T) {
	src := `
site "hello" {
  domains = ["hello.localhost", "*.hello.example.com"]
  app     = "app"
  wsgi    = "app:application"
}
`
	o := testOptions(t, "hello")
	sites, err := ParseSource("testdata/site.hcl", []byte(src), o)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(sites), 1; got != want {
		t.Fatalf("sites = %d, want %d", got, want)
	}
	s := sites[0]
	wantDir := filepath.Join(o.SourceRoot, "hello", "app")
	checks := []struct {
		name      string
		got, want any
	}{
		{"name", s.Name, "hello"},
		{"app dir", s.AppDir, wantDir},
		{"code root", s.CodeRoot, o.SourceRoot},
		{"wsgi", s.WSGI, "app:application"},
		{"domains", strings.Join(s.Domains, ","), "hello.localhost,*.hello.example.com"},
		{"instances", s.Web.Instances, DefaultInstances},
		{"workers", s.Web.Workers, DefaultWorkers},
		{"health path", s.Health.Path, DefaultHealthPath},
		{"health interval", s.Health.Interval, DefaultHealthInterval},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestParseFullSpec(t *testing.T) {
	src := `
site "a" {
  domains = ["a.localhost"]
  app     = "app"
  wsgi    = "pkg.wsgi:app"
  process "web" {
    instances = 3
    workers   = 4
  }
  health {
    path     = "/healthz"
    interval = "5s"
    timeout  = "1s"
  }
}
site "b" {
  domains = ["b.localhost"]
  app     = "app"
  wsgi    = "app"
}
`
	sites, err := ParseSource("testdata/site.hcl", []byte(src), testOptions(t, "a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(sites), 2; got != want {
		t.Fatalf("sites = %d, want %d", got, want)
	}
	a := sites[0]
	if a.Web.Instances != 3 || a.Web.Workers != 4 {
		t.Errorf("web = %+v", a.Web)
	}
	if a.Health != (Health{Path: "/healthz", Interval: 5 * time.Second, Timeout: time.Second}) {
		t.Errorf("health = %+v", a.Health)
	}
}

// Each bad spec must fail with a diagnostic that names the file, the line
// and column of the offending value, and what is wrong with it.
func TestParseRejects(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string
	}{
		{"syntax", "site \"x\" {\n  domains = [\n}", []string{"bad.hcl:3:1"}},
		{"no site", "# nothing\n", []string{"No site declared"}},
		{"unknown field", "site \"x\" {\n  domains = [\"x.localhost\"]\n  wsgi = \"app\"\n  app = \"app\"\n  colour = \"red\"\n}",
			[]string{"bad.hcl:5:3", `"colour" is not expected`}},
		{"missing wsgi", "site \"x\" {\n  domains = [\"x.localhost\"]\n  app = \"app\"\n}", []string{"bad.hcl:1", `"wsgi" is required`}},
		{"bad name", "site \"a\\\"; DROP ROLE postgres; --\" {\n  domains = [\"x.localhost\"]\n  wsgi = \"app\"\n  app = \"app\"\n}",
			[]string{"bad.hcl:1:6", "Invalid site name"}},
		{"path name", "site \"../../etc\" {\n  domains = [\"x.localhost\"]\n  wsgi = \"app\"\n  app = \"app\"\n}", []string{"bad.hcl:1:6", "Invalid site name"}},
		{"long name", "site \"" + strings.Repeat("a", 200) + "\" {\n  domains = [\"x.localhost\"]\n  wsgi = \"app\"\n  app = \"app\"\n}", []string{"200 characters"}},
		{"reserved", "site \"consul\" {\n  domains = [\"x.localhost\"]\n  wsgi = \"app\"\n  app = \"app\"\n}", []string{"reserved"}},
		{"bad domain", "site \"x\" {\n  domains = [\"ok.localhost\", \"bad_domain!\"]\n  wsgi = \"app\"\n  app = \"app\"\n}",
			[]string{"bad.hcl:2:30", "Invalid domain"}},
		{"no domains", "site \"x\" {\n  domains = []\n  wsgi = \"app\"\n  app = \"app\"\n}", []string{"bad.hcl:2:13", "at least one domain"}},
		{"bad wsgi", "site \"x\" {\n  domains = [\"x.localhost\"]\n  wsgi = \"app; rm -rf /\"\n  app = \"app\"\n}", []string{"bad.hcl:3:10", "Invalid wsgi"}},
		{"missing app dir", "site \"x\" {\n  domains = [\"x.localhost\"]\n  wsgi = \"app\"\n  app = \"nope\"\n}", []string{"bad.hcl:4:9", "does not exist"}},
		{"user is assigned", "site \"x\" {\n  domains = [\"x.localhost\"]\n  wsgi = \"app\"\n  app = \"app\"\n  user = \"root\"\n}", []string{"bad.hcl:5:3", `"user" is not expected`}},
		{"workers", "site \"x\" {\n  domains = [\"x.localhost\"]\n  wsgi = \"app\"\n  app = \"app\"\n  process \"web\" {\n    workers = 0\n  }\n}", []string{"bad.hcl:6:15", "must be at least 1"}},
		{"cpu", "site \"x\" {\n  domains = [\"x.localhost\"]\n  wsgi = \"app\"\n  app = \"app\"\n  process \"web\" {\n    cpu = 0\n  }\n}", []string{"bad.hcl:6:11", "must be at least 1"}},
		{"other process", "site \"x\" {\n  domains = [\"x.localhost\"]\n  wsgi = \"app\"\n  app = \"app\"\n  process \"celery\" {\n  }\n}", []string{"bad.hcl:5:3", "needs command"}},
		{"health", "site \"x\" {\n  domains = [\"x.localhost\"]\n  wsgi = \"app\"\n  app = \"app\"\n  health {\n    interval = \"soon\"\n  }\n}", []string{"bad.hcl:6:16", "Invalid interval"}},
		{"dup domain", "site \"x\" {\n  domains = [\"x.localhost\"]\n  wsgi = \"app\"\n  app = \"app\"\n}\nsite \"y\" {\n  domains = [\"x.localhost\"]\n  wsgi = \"app\"\n  app = \"app\"\n}",
			[]string{"bad.hcl:6", "claimed by sites \"x\" and \"y\""}},
		{"dup site", "site \"x\" {\n  domains = [\"x.localhost\"]\n  wsgi = \"app\"\n  app = \"app\"\n}\nsite \"x\" {\n  domains = [\"z.localhost\"]\n  wsgi = \"app\"\n  app = \"app\"\n}",
			[]string{"bad.hcl:6:6", "declared more than once"}},
	}
	o := testOptions(t, "x", "y", "z")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sites, err := ParseSource("testdata/bad.hcl", []byte(c.src), o)
			if err == nil {
				t.Fatalf("accepted: %+v", sites)
			}
			var se *SpecError
			if !errors.As(err, &se) {
				t.Fatalf("error %T is not a *SpecError: %v", err, err)
			}
			if sites != nil {
				t.Errorf("returned %d sites alongside an error", len(sites))
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%s", w, err)
				}
			}
		})
	}
}

// The examples are laid out as a source tree: examples/<site> holds the
// code of site <site>.
func TestParseFileExamples(t *testing.T) {
	for _, f := range []string{"../examples/hello/site.hcl", "../examples/django/site.hcl"} {
		t.Run(f, func(t *testing.T) {
			sites, err := ParseWith(f, Options{SourceRoot: "../examples"})
			if err != nil {
				t.Fatal(err)
			}
			want, _ := filepath.Abs(filepath.Dir(f))
			if sites[0].AppDir != want {
				t.Errorf("app dir = %s, want %s", sites[0].AppDir, want)
			}
		})
	}
}
