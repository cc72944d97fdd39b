package jobs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadLimits(t *testing.T) {
	cases := []struct {
		name, src string
		check     func(Limits) bool // for accepted files
		want      string            // "" accepts; otherwise a substring of the error
	}{
		{"every field optional", "limits {}\n", func(l Limits) bool { return l == DefaultLimits() }, ""},
		{"empty file", "", func(l Limits) bool { return l == DefaultLimits() }, ""},
		{"some fields", "limits {\n  memory_max = \"8GiB\"\n  instances = 16\n  env_value_bytes = \"64KiB\"\n}\n",
			func(l Limits) bool {
				d := DefaultLimits()
				d.MaxMemoryMax, d.MaxInstances, d.MaxEnvValueBytes = 8<<30, 16, 64<<10
				return l == d
			}, ""},
		{"a cap of zero", "limits {\n  crons = 0\n}\n", func(l Limits) bool { return l.MaxCrons == 0 }, ""},
		{"unknown field", "limits {\n  memory = \"1GiB\"\n  colour = 1\n}\n", nil, "limits.hcl:3:3"},
		{"unknown block", "limit {\n}\n", nil, "limits.hcl:1:1"},
		{"two blocks", "limits {}\nlimits {}\n", nil, "one limits block"},
		{"too high", "limits {\n  memory_max = \"1PiB\"\n}\n", nil, "limits.hcl:2:16: Invalid limit: memory_max = 1PiB must be between 16MiB and 4TiB"},
		{"too low", "limits {\n  workers = 0\n}\n", nil, "limits.hcl:2:13"},
		{"size without unit", "limits {\n  memory = \"4096\"\n}\n", nil, "needs a unit"},
		{"count as a string", "limits {\n  instances = \"many\"\n}\n", nil, "limits.hcl:2:15"},
		{"fraction", "limits {\n  instances = 1.5\n}\n", nil, "whole number"},
		{"variables", "limits {\n  instances = var.x\n}\n", nil, "Variables not allowed"},
		{"bomb", "limits {\n  cpu = length([for a in [" + strings.Repeat("1,", 999) + "1] : [for b in [" + strings.Repeat("1,", 999) + "1] : b]])\n}\n", nil, "Value too large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "limits.hcl")
			if err := os.WriteFile(path, []byte(c.src), 0o644); err != nil {
				t.Fatal(err)
			}
			l, err := LoadLimits(path)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want == "" && !c.check(l):
				t.Errorf("limits = %+v", l)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("err = %v, want %q", err, c.want)
			case c.want != "" && !IsSpecError(err):
				t.Errorf("err %T is not a spec error", err)
			}
		})
	}
	if _, err := LoadLimits(filepath.Join(t.TempDir(), "missing.hcl")); err == nil || IsSpecError(err) {
		t.Errorf("missing file: %v, want a plain I/O error", err)
	}
}

// The caps are the operator's: what defaults refuse, raised limits let
// through, and lowered ones refuse more.
func TestLimitsApply(t *testing.T) {
	spec := func(body string) []byte {
		return []byte("site \"hello\" {\n  domains = [\"hello.example.com\"]\n  wsgi = \"app\"\n  app = \"app\"\n" + body + "}\n")
	}
	raised := DefaultLimits()
	raised.MaxMemoryMax, raised.MaxInstances, raised.MaxTotalInstances = 64<<30, 32, 64
	lowered := DefaultLimits()
	lowered.MaxCrons, lowered.MaxSecrets = 0, 1
	cases := []struct {
		name   string
		limits Limits
		body   string
		want   string // "" accepts; otherwise a substring of the error
	}{
		{"burst under the default", Limits{}, "  process \"web\" {\n    memory_max = \"4GiB\"\n  }\n", ""},
		{"burst over the default", Limits{}, "  process \"web\" {\n    memory_max = \"8GiB\"\n  }\n", "6:18: Limit exceeded: memory_max 8GiB is above this cluster's limit of 4GiB (limits: memory_max)"},
		{"burst under a raised cap", raised, "  process \"web\" {\n    memory_max = \"8GiB\"\n  }\n", ""},
		{"instances under a raised cap", raised, "  process \"web\" {\n    instances = 32\n  }\n", ""},
		{"no crons allowed", lowered, "  cron \"a\" {\n    schedule = \"@daily\"\n    command = [\"x\"]\n  }\n", "5:8: Limit exceeded: this site has 1 crons; this cluster's limit is 0 (limits: crons)"},
		{"one secret allowed", lowered, "  secrets = [\"A\", \"B\"]\n", "5:19: Limit exceeded"},
	}
	root := sourceTree(t, "hello")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseSource("l.hcl", spec(c.body), Options{SourceRoot: root, Limits: c.limits})
			checkErr(t, err, c.want)
		})
	}
}

// Caps set in code rather than loaded: negative ones act as zero, and
// the parse does not trip over them.
func TestNegativeLimits(t *testing.T) {
	var l Limits
	l.MaxCrons, l.MaxStatic, l.MaxDomains = -1, -5, 10
	src := []byte("site \"hello\" {\n  domains = [\"hello.example.com\"]\n  wsgi = \"app\"\n  app = \"app\"\n  cron \"a\" {\n    schedule = \"@daily\"\n    command = [\"x\"]\n  }\n}\n")
	_, err := ParseSource("n.hcl", src, Options{SourceRoot: sourceTree(t, "hello"), Limits: l})
	if err == nil || !strings.Contains(err.Error(), "5:8: Limit exceeded: this site has 1 crons; this cluster's limit is 0") {
		t.Errorf("err = %v", err)
	}
}
