package jobs

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const fullSpec = `
variable "env_name" { default = "staging" }
variable "web_instances" { default = 2 }

locals {
  domain = "${var.env_name}.${local.apex}"
  apex   = "example.com"
}

site "shop" {
  domains = [local.domain, "www.${local.domain}"]
  redirects = ["old-shop.example.com"]
  app     = "app"
  wsgi    = "shop.wsgi:application"
  secrets = ["STRIPE_KEY"]
  release = [["/usr/bin/python3", "manage.py", "migrate", "--noinput"]]
  node_class = "web"

  env {
    DJANGO_SETTINGS_MODULE = "shop.settings"
    ENVIRONMENT            = upper(var.env_name)
    WORKERS                = 3
  }

  process "web" {
    instances    = var.web_instances
    workers      = 3
    threads      = 4
    timeout      = "45s"
    max_requests = 1000
    memory       = "192MiB"
    memory_max   = "384MiB"
    cpu          = 200
  }

  process "worker" {
    command   = ["/usr/bin/python3", "manage.py", "run_worker"]
    instances = 1
    memory    = "96MiB"
  }

  health {
    path = "/healthz"
  }

  static {
    url = "/static/"
    dir = "collected"
  }

  constraint {
    attribute = "attr.kernel.name"
    value     = "linux"
  }

  database {
    connection_limit = 20
  }

  media {
    quota = "1GiB"
  }
}
`

func TestParseEverySetting(t *testing.T) {
	o := testOptions(t, "shop")
	sites, err := ParseSource("testdata/shop.hcl", []byte(fullSpec), o)
	if err != nil {
		t.Fatal(err)
	}
	s := sites[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"domains", strings.Join(s.Domains, ","), "staging.example.com,www.staging.example.com"},
		{"redirects", strings.Join(s.Redirects, ","), "old-shop.example.com"},
		{"env from function", s.Env["ENVIRONMENT"], "STAGING"},
		{"env number", s.Env["WORKERS"], "3"},
		{"secrets", strings.Join(s.Secrets, ","), "STRIPE_KEY"},
		{"instances from var", s.Web.Instances, 2},
		{"threads", s.Web.Threads, 4},
		{"timeout", s.Web.Timeout, 45 * time.Second},
		{"memory", s.Web.MemoryMB, 192},
		{"memory_max", s.Web.MemoryMaxMB, 384},
		{"cpu", s.Web.CPU, 200},
		{"processes", len(s.Processes), 1},
		{"worker memory", s.Processes[0].MemoryMB, 96},
		{"static", s.Static[0], Static{URL: "/static/", Dir: "collected"}},
		{"constraints", len(s.Constraints), 2},
		{"constraint wrapped", s.Constraints[1], Constraint{"${attr.kernel.name}", "=", "linux"}},
		{"node class", s.Constraints[0], Constraint{"${node.class}", "=", "web"}},
		{"database", *s.Database, Database{ConnectionLimit: 20}},
		{"media", *s.Media, Media{QuotaBytes: 1 << 30}},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestVarOverrides(t *testing.T) {
	root := sourceTree(t, "shop")
	spec := filepath.Join(t.TempDir(), "shop.hcl")
	if err := os.WriteFile(spec, []byte(fullSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	with := func(vars map[string]string) Options { return Options{Vars: vars, SourceRoot: root} }
	sites, err := ParseWith(spec, with(map[string]string{"env_name": "prod", "web_instances": "5"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := sites[0].Domains[0]; got != "prod.example.com" {
		t.Errorf("domain = %q", got)
	}
	if got := sites[0].Web.Instances; got != 5 {
		t.Errorf("instances = %d, want the --var value converted to a number", got)
	}
	if _, err := ParseWith(spec, with(map[string]string{"web_instances": "many"})); err == nil || !strings.Contains(err.Error(), "--var web_instances") {
		t.Errorf("non-numeric --var for a number: %v", err)
	}
	if _, err := ParseWith(spec, with(map[string]string{"nope": "1"})); err == nil || !strings.Contains(err.Error(), "no variable \"nope\"") {
		t.Errorf("unknown --var: %v", err)
	}
}

// A directory is one spec: variables declared in one file serve sites in
// another, and names and domains must be unique across all of them.
func TestParseDirectory(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(t, "a", "b", "c")
	os.WriteFile(filepath.Join(dir, "vars.hcl"), []byte(`variable "apex" { default = "example.org" }`), 0o644)
	os.WriteFile(filepath.Join(dir, "a.hcl"), []byte(`site "a" {
  domains = ["a.${var.apex}"]
  app = "app"
  wsgi = "app"
}`), 0o644)
	os.WriteFile(filepath.Join(dir, "b.hcl"), []byte(`site "b" {
  domains = ["b.${var.apex}"]
  app = "app"
  wsgi = "app"
}`), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a spec"), 0o644)
	sites, err := ParseWith(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range sites {
		names = append(names, s.Name+"="+s.Domains[0])
	}
	if !slices.Equal(names, []string{"a=a.example.org", "b=b.example.org"}) {
		t.Errorf("sites = %v", names)
	}
	os.WriteFile(filepath.Join(dir, "c.hcl"), []byte(`site "c" {
  domains = ["a.${var.apex}"]
  app = "app"
  wsgi = "app"
}`), 0o644)
	if _, err := ParseWith(dir, o); err == nil || !strings.Contains(err.Error(), "c.hcl:1") || !strings.Contains(err.Error(), `claimed by sites "a" and "c"`) {
		t.Errorf("domain clash across files: %v", err)
	}
}

func TestSpecRejects(t *testing.T) {
	site := func(body string) string {
		return "site \"x\" {\n  domains = [\"x.localhost\"]\n  app = \"app\"\n  wsgi = \"app\"\n" + body + "}\n"
	}
	// fetched: a site whose code comes from a source block (line 4 on).
	fetched := func(source string) string {
		return "site \"x\" {\n  domains = [\"x.localhost\"]\n  wsgi = \"app\"\n" + source + "}\n"
	}
	cases := []struct {
		name, src string
		want      []string
	}{
		{"app and source", site("  source {\n    path = \"app\"\n  }\n"), []string{"bad.hcl:3:9", "either app or a source block"}},
		{"two sources", fetched("  source {\n    path = \"app\"\n    git = \"https://h/r.git\"\n  }\n"), []string{"bad.hcl:4:3", "exactly one of path, git or archive"}},
		{"git without ref", fetched("  source {\n    git = \"https://h/r.git\"\n  }\n"), []string{"bad.hcl:4:3", "ref = "}},
		{"git file url", fetched("  source {\n    git = \"file:///etc\"\n    ref = \"main\"\n  }\n"), []string{"bad.hcl:5:11", "use https://"}},
		{"ref as option", fetched("  source {\n    git = \"https://h/r.git\"\n    ref = \"--upload-pack=x\"\n  }\n"), []string{"bad.hcl:6:11", "not a valid git"}},
		{"ref in url", fetched("  source {\n    git = \"https://h/r.git?ref=x\"\n    ref = \"main\"\n  }\n"), []string{"bad.hcl:5:11", "not in the URL"}},
		{"archive ext", fetched("  source {\n    archive = \"https://h/app.exe\"\n  }\n"), []string{"bad.hcl:5:15", "must end in one of"}},
		{"bad checksum", fetched("  source {\n    archive = \"https://h/app.tgz\"\n    checksum = \"sha256:xyz\"\n  }\n"), []string{"bad.hcl:6:16", "64 lowercase hex"}},
		{"ref with archive", fetched("  source {\n    archive = \"https://h/app.tgz\"\n    ref = \"v1\"\n  }\n"), []string{"bad.hcl:6:11", "only with git"}},
		{"dir escapes", fetched("  source {\n    git = \"https://h/r.git\"\n    ref = \"v1\"\n    dir = \"../..\"\n  }\n"), []string{"bad.hcl:7:11", "relative path inside"}},
		{"relative python", site("  python = \"python3\"\n"), []string{"bad.hcl:5:12", "absolute path"}},
		{"missing requirements", site("  requirements = \"nope.txt\"\n"), []string{"bad.hcl:5:18", "not a file in the app directory"}},
		{"static dir escapes a git source", fetched("  source {\n    git = \"https://h/r.git\"\n    ref = \"v1\"\n  }\n  static {\n    url = \"/s/\"\n    dir = \"../s\"\n  }\n"), []string{"bad.hcl:10:11", "relative path inside"}},
		{"env shadows database", site("  database {}\n  env {\n    DATABASE_URL = \"x\"\n  }\n"), []string{"bad.hcl:7:5", "set by the database block"}},
		{"secret shadows media", site("  secrets = [\"MEDIA_ROOT\"]\n  media {\n    quota = \"1GiB\"\n  }\n"), []string{"bad.hcl:5:14", "set by the media block"}},
		{"size without unit", site("  process \"web\" {\n    memory = \"256\"\n  }\n"), []string{"bad.hcl:6:14", "needs a unit"}},
		{"memory_max below memory", site("  process \"web\" {\n    memory = \"256MiB\"\n    memory_max = \"128MiB\"\n  }\n"), []string{"bad.hcl:7:18", "below memory"}},
		{"web-only on worker", site("  process \"q\" {\n    command = [\"x\"]\n    workers = 2\n  }\n"), []string{"bad.hcl:7:15", "only to process \"web\""}},
		{"command on web", site("  process \"web\" {\n    command = [\"x\"]\n  }\n"), []string{"bad.hcl:6:15", "takes no command"}},
		{"platform env", site("  env {\n    NOMAD_TOKEN = \"x\"\n  }\n"), []string{"bad.hcl:6:5", "set by the platform"}},
		{"env list value", site("  env {\n    A = [1]\n  }\n"), []string{"bad.hcl:6:9", "cannot be an environment variable"}},
		{"secret shadows env", site("  secrets = [\"A\"]\n  env {\n    A = \"1\"\n  }\n"), []string{"bad.hcl:5:14", "both in env and in secrets"}},
		{"bad static url", site("  static {\n    url = \"static\"\n    dir = \"s\"\n  }\n"), []string{"bad.hcl:6:11", "start and end with '/'"}},
		{"bad operator", site("  constraint {\n    attribute = \"node.class\"\n    operator = \"~\"\n  }\n"), []string{"bad.hcl:7:16", "not one of Nomad's"}},
		{"bad constraint attribute", site("  constraint {\n    attribute = \"class\"\n  }\n"), []string{"bad.hcl:6:17", "must name a node property"}},
		{"media quota", site("  media {\n    quota = \"lots\"\n  }\n"), []string{"bad.hcl:6:13", "Invalid media quota"}},
		{"local cycle", "locals {\n  a = local.b\n  b = local.a\n}\n" + site(""), []string{"bad.hcl:2:7", "cycle"}},
		{"variable without value", "variable \"v\" {}\n" + site(""), []string{"bad.hcl:1:1", "has no default"}},
		{"unknown function", site("  env {\n    A = shell(\"id\")\n  }\n"), []string{"bad.hcl:6:9", "shell"}},
		{"redirect is a domain", "site \"x\" {\n  domains = [\"x.localhost\"]\n  redirects = [\"x.localhost\"]\n  app = \"app\"\n  wsgi = \"app\"\n}\n", []string{"bad.hcl:3:16", "listed twice"}},
		{"wildcard redirect", "site \"x\" {\n  domains = [\"x.localhost\"]\n  redirects = [\"*.x.localhost\"]\n  app = \"app\"\n  wsgi = \"app\"\n}\n", []string{"bad.hcl:3:16", "wildcards cannot redirect"}},
		{"duplicate domain in site", "site \"x\" {\n  domains = [\"x.localhost\", \"x.localhost\"]\n  app = \"app\"\n  wsgi = \"app\"\n}\n", []string{"bad.hcl:2:29", "listed twice"}},
		{"duplicate process", site("  process \"q\" {\n    command = [\"x\"]\n  }\n  process \"q\" {\n    command = [\"y\"]\n  }\n"), []string{"bad.hcl:8:11", "more than once"}},
	}
	o := testOptions(t, "x")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseSource("testdata/bad.hcl", []byte(c.src), o)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%s", w, err)
				}
			}
		})
	}
}

func TestParseFetchedSource(t *testing.T) {
	sites, err := Parse("testdata/fetched.hcl", []byte(`site "blog" {
  domains = ["blog.localhost"]
  wsgi    = "blog.wsgi"
  python  = "/usr/bin/python3.11"
  requirements = "reqs/prod.txt"
  source {
    git = "git@git.example.com:team/blog.git"
    ref = "release/2026-11"
    dir = "./src/"
  }
}`))
	if err != nil {
		t.Fatal(err)
	}
	s := sites[0]
	want := Source{Git: "git@git.example.com:team/blog.git", Ref: "release/2026-11", Dir: "src"}
	if s.Source == nil || *s.Source != want || s.AppDir != "" {
		t.Errorf("source = %+v app %q, want %+v", s.Source, s.AppDir, want)
	}
	if s.Python != "/usr/bin/python3.11" || s.Requirements != "reqs/prod.txt" || !s.RequirementsRequired {
		t.Errorf("python %q requirements %q required %v", s.Python, s.Requirements, s.RequirementsRequired)
	}
}
