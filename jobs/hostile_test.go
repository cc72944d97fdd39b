package jobs

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hostctl/hostctl/contract"
)

// Every file of testdata/hostile is a spec a hostile tenant could write,
// headed by the outcome it must have:
//
//	# want: ok
//	# want: error "Summary" at LINE:COL
//
// A refused spec must fail with a *SpecError whose first diagnostic has
// that summary and starts at that position; an accepted one is harmless
// as written and must parse.
var wantRE = regexp.MustCompile(`^# want: (?:(ok)|error "([^"]+)" at (\d+):(\d+))\r?\n`)

// hostileOptions is the cluster the corpus is checked against: a source
// tree with the sites it names, default limits, and one trusted git host
// (as the integration tests trust theirs).
func hostileOptions(t testing.TB) Options {
	o := testOptions(t, "hello", "other", "shop")
	o.TrustedSourceHosts = []string{"127.0.0.1:9418"}
	return o
}

// slowParse is far beyond what any corpus file needs (a few ms); past it,
// a bound failed to stop something expensive.
const slowParse = 5 * time.Second

func corpusFiles(t testing.TB) []string {
	files, err := filepath.Glob("testdata/hostile/*.hcl")
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestHostileCorpus(t *testing.T) {
	files := corpusFiles(t)
	if len(files) < 60 {
		t.Fatalf("the corpus has %d specs; it should cover at least 60", len(files))
	}
	o := hostileOptions(t)
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".hcl"), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m := wantRE.FindSubmatch(src)
			if m == nil {
				t.Fatalf("%s does not start with a # want: header", f)
			}
			start := time.Now()
			sites, err := ParseSource(f, src, o)
			if d := time.Since(start); d > slowParse {
				t.Errorf("parsing took %v", d)
			}
			if string(m[1]) == "ok" {
				if err != nil {
					t.Fatalf("refused a harmless spec: %v", err)
				}
				checkInvariants(t, sites, o)
				return
			}
			wantLine, _ := strconv.Atoi(string(m[3]))
			wantCol, _ := strconv.Atoi(string(m[4]))
			checkFirstDiag(t, err, string(m[2]), wantLine, wantCol)
		})
	}
}

// checkFirstDiag asserts that err is a *SpecError whose first diagnostic
// has summary and starts at line:col (0 skips the position).
func checkFirstDiag(t *testing.T, err error, summary string, line, col int) {
	t.Helper()
	var se *SpecError
	if !errors.As(err, &se) {
		t.Fatalf("want a *SpecError %q, got %T: %v", summary, err, err)
	}
	d := se.Diags[0]
	if d.Summary != summary {
		t.Errorf("first diagnostic %q, want %q:\n%v", d.Summary, summary, err)
	}
	if line == 0 {
		return
	}
	if d.Subject == nil {
		t.Fatalf("first diagnostic has no position, want %d:%d", line, col)
	}
	if got := d.Subject.Start; got.Line != line || got.Column != col {
		t.Errorf("first diagnostic at %d:%d, want %d:%d:\n%v", got.Line, got.Column, line, col, err)
	}
}

// checkInvariants holds for every site a parse accepts, whatever the spec
// said: what the parse promises the renderer and the launcher.
func checkInvariants(t *testing.T, sites []Site, o Options) {
	t.Helper()
	lim := o.Limits.resolve()
	if len(sites) == 0 {
		t.Fatal("accepted without a site")
	}
	for _, s := range sites {
		if err := contract.CheckSiteName(s.Name); err != nil {
			t.Errorf("accepted site name: %v", err)
		}
		if s.Source == nil {
			root, _ := filepath.Abs(o.SourceRoot)
			if s.CodeRoot != root || !within(s.AppDir, filepath.Join(root, s.Name)) {
				t.Errorf("site %s: app %q is not inside %s", s.Name, s.AppDir, filepath.Join(root, s.Name))
			}
		}
		for _, st := range s.Static {
			if checkStaticDir(st.Dir) != nil || path.Clean(st.Dir) != st.Dir || checkStaticURL(st.URL, s.Media != nil) != nil {
				t.Errorf("site %s: static %q -> %q", s.Name, st.URL, st.Dir)
			}
		}
		for _, d := range append(append([]string(nil), s.Domains...), s.Redirects...) {
			if err := CheckDomain(d); err != nil {
				t.Errorf("site %s: %v", s.Name, err)
			}
		}
		envBytes := 0
		for k, v := range s.Env {
			envBytes += len(k) + len(v)
			if contract.CheckEnvName(k) != nil || strings.IndexByte(v, 0) >= 0 || len(v) > lim.MaxEnvValueBytes {
				t.Errorf("site %s: env %s=%.40q", s.Name, k, v)
			}
		}
		if envBytes > lim.MaxEnvBytes || len(s.Env) > lim.MaxEnvVars {
			t.Errorf("site %s: env of %d bytes, %d vars", s.Name, envBytes, len(s.Env))
		}
		for _, name := range s.Secrets {
			if contract.CheckEnvName(name) != nil {
				t.Errorf("site %s: secret %q", s.Name, name)
			}
		}
		if checkHealthPath(s.Health.Path) != nil {
			t.Errorf("site %s: health path %q", s.Name, s.Health.Path)
		}
		total := s.Web.Instances
		argvs := s.Release
		for _, p := range s.Processes {
			total += p.Instances
			argvs = append(argvs, p.Command)
			checkResources(t, s.Name, p.Resources, lim)
		}
		for _, c := range s.Crons {
			argvs = append(argvs, c.Command)
			checkResources(t, s.Name, c.Resources, lim)
		}
		checkResources(t, s.Name, s.Web.Resources, lim)
		if total > lim.MaxTotalInstances || len(s.Processes) > lim.MaxProcesses || len(s.Crons) > lim.MaxCrons {
			t.Errorf("site %s: %d instances, %d processes, %d crons", s.Name, total, len(s.Processes), len(s.Crons))
		}
		for _, argv := range argvs {
			for _, a := range argv {
				if strings.IndexByte(a, 0) >= 0 || len(a) > lim.MaxArgBytes || len(argv) > lim.MaxArgs {
					t.Errorf("site %s: command %.80q", s.Name, argv)
				}
			}
		}
		if src := s.Source; src != nil {
			if src.Git != "" && checkGitURL(src.Git, o.TrustedSourceHosts) != nil ||
				src.Archive != "" && (checkArchiveURL(src.Archive, o.TrustedSourceHosts) != nil || src.Checksum == "") {
				t.Errorf("site %s: source %+v", s.Name, src)
			}
		}
	}
}

func checkResources(t *testing.T, site string, r Resources, lim Limits) {
	t.Helper()
	if r.CPU > lim.MaxCPU || int64(r.MemoryMB)<<20 > lim.MaxMemory || int64(r.MemoryMaxMB)<<20 > lim.MaxMemoryMax {
		t.Errorf("site %s: resources %+v over the limits", site, r)
	}
}

func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && filepath.IsAbs(p) && rel != ".." && !strings.HasPrefix(rel, "../")
}

// The bombs too big to keep in the corpus, made here.
func TestGeneratedBombs(t *testing.T) {
	big := func(n int, s string) string { return strings.Repeat(s, n) }
	site := func(body string) string {
		return "site \"hello\" {\n  domains = [\"hello.example.com\"]\n  wsgi = \"app\"\n  app = \"app\"\n" + body + "}\n"
	}
	cases := []struct {
		name, file, src string
		summary         string
		line, col       int
	}{
		{"100k nested brackets", "b.hcl", "x = " + big(100_000, "["), "Nesting too deep", 1, 37},
		{"100k nested parentheses", "b.hcl", "x = " + big(100_000, "("), "Nesting too deep", 1, 37},
		{"50k nested blocks", "b.hcl", big(50_000, "a {\n"), "Nesting too deep", 33, 3},
		{"50k nested interpolations", "b.hcl", "x = \"" + big(50_000, "${\""), "Nesting too deep", 1, 102},
		{"10 MB spec", "b.hcl", site("") + big(10<<20/16, "# padding......\n"), "Spec file too large", 0, 0},
		{"10 MB env value", "b.hcl", site("  env {\n    X = \"" + big(10<<20, "x") + "\"\n  }\n"), "Spec file too large", 0, 0},
		{"JSON spec", "site.json", `{"site": {"hello": {"domains": ["hello.example.com"], "wsgi": "app"}}}`, "JSON specs are not supported", 1, 1},
	}
	o := testOptions(t, "hello")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			_, err := ParseSource(c.file, []byte(c.src), o)
			if d := time.Since(start); d > slowParse {
				t.Errorf("parsing took %v", d)
			}
			checkFirstDiag(t, err, c.summary, c.line, c.col)
		})
	}
}

// What ParseWith reads is bounded before it is read whole: files, their
// number and their total, and --var values.
func TestInputBounds(t *testing.T) {
	spec := "site \"hello\" {\n  domains = [\"hello.example.com\"]\n  wsgi = \"app\"\n  app = \"app\"\n}\n"
	write := func(t *testing.T, dir, name string, b []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name    string
		setup   func(t *testing.T, dir string) (path string, vars map[string]string)
		summary string
	}{
		{"file over 256 KiB", func(t *testing.T, dir string) (string, map[string]string) {
			write(t, dir, "a.hcl", []byte(spec+strings.Repeat("#\n", 200<<10)))
			return filepath.Join(dir, "a.hcl"), nil
		}, "Spec file too large"},
		{"65 files", func(t *testing.T, dir string) (string, map[string]string) {
			for i := range 65 {
				write(t, dir, fmt.Sprintf("f%02d.hcl", i), []byte("# empty\n"))
			}
			return dir, nil
		}, "Spec too large"},
		{"files over 1 MiB together", func(t *testing.T, dir string) (string, map[string]string) {
			for i := range 5 {
				write(t, dir, fmt.Sprintf("f%d.hcl", i), []byte(strings.Repeat("#\n", 120<<10)))
			}
			return dir, nil
		}, "Spec too large"},
		{"--var over 64 KiB", func(t *testing.T, dir string) (string, map[string]string) {
			write(t, dir, "a.hcl", []byte("variable \"v\" {\n  default = \"\"\n}\n"+spec))
			return filepath.Join(dir, "a.hcl"), map[string]string{"v": strings.Repeat("x", 64<<10+1)}
		}, "Variable value too large"},
	}
	root := sourceTree(t, "hello")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path, vars := c.setup(t, t.TempDir())
			_, err := ParseWith(path, Options{SourceRoot: root, Vars: vars})
			checkFirstDiag(t, err, c.summary, 0, 0)
		})
	}
}

// FuzzParse feeds the parser arbitrary specs, starting from the corpus:
// nothing may panic, run away, or be accepted against the invariants.
func FuzzParse(f *testing.F) {
	for _, file := range corpusFiles(f) {
		src, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	o := hostileOptions(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		// A parse that never ends would stall the fuzzer silently; crash
		// instead, with every goroutine's stack, so the input is kept.
		watchdog := time.AfterFunc(4*slowParse, func() {
			debug.SetTraceback("all")
			panic(fmt.Sprintf("parsing ran for %v: %.200q", 4*slowParse, src))
		})
		defer watchdog.Stop()
		start := time.Now()
		sites, err := ParseSource("fuzz.hcl", src, o)
		if d := time.Since(start); d > slowParse {
			t.Errorf("parsing took %v", d)
		}
		if err != nil {
			var se *SpecError
			if !errors.As(err, &se) || len(se.Diags) == 0 {
				t.Fatalf("want a *SpecError with diagnostics, got %T: %v", err, err)
			}
			_ = err.Error() // printing a diagnostic must not panic either
			return
		}
		checkInvariants(t, sites, o)
	})
}
