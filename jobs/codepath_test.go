package jobs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLocalCode(t *testing.T) {
	root := sourceTree(t, "hello", "other")
	if err := os.WriteFile(filepath.Join(root, "hello", "app", "requirements.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	absRoot, _ := filepath.Abs(root)
	spec := func(code string) []byte {
		return []byte("site \"hello\" {\n  domains = [\"hello.example.com\"]\n  wsgi = \"app\"\n" + code + "}\n")
	}
	away := filepath.Join(t.TempDir(), "not-on-this-machine")
	cases := []struct {
		name, code, root string
		app              string // want AppDir relative to the root, when accepted
		want             string // "" accepts; otherwise a substring of the error
	}{
		{"default", "", root, "hello", ""},
		{"app", "  app = \"app\"\n", root, "hello/app", ""},
		{"cleaned", "  app = \"./app/\"\n", root, "hello/app", ""},
		{"source path", "  source {\n    path = \"app\"\n  }\n", root, "hello/app", ""},
		{"requirements checked", "  app = \"app\"\n  requirements = \"requirements.txt\"\n", root, "hello/app", ""},
		{"missing requirements", "  requirements = \"requirements.txt\"\n", root, "", "4:18: Invalid requirements"},
		{"absolute", "  app = \"/\"\n", root, "", "4:9: Invalid app directory"},
		{"etc", "  app = \"/etc\"\n", root, "", "relative path inside"},
		{"proc", "  source {\n    path = \"/proc/1\"\n  }\n", root, "", "5:12: Invalid app directory"},
		{"another site", "  app = \"../other\"\n", root, "", "relative path inside"},
		{"out and back", "  app = \"app/../app\"\n", root, "", "relative path inside"},
		{"control character", "  app = \"app\\n\"\n", root, "", "control character"},
		{"missing", "  app = \"nope\"\n", root, "", "does not exist"},
		{"no source tree", "  app = \"app\"\n", "", "", "set --source-root (or HOSTCTL_SOURCE_ROOT)"},
		{"site not in the tree", "", filepath.Join(root, "other"), "", "site hello's code is expected in " + filepath.Join(absRoot, "other", "hello") + " (the source tree, --source-root)"},
		{"tree elsewhere", "  app = \"app\"\n  requirements = \"reqs.txt\"\n", away, "hello/app", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sites, err := ParseSource("c.hcl", spec(c.code), Options{SourceRoot: c.root})
			if c.want != "" {
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Errorf("err = %v, want %q", err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			wantRoot, _ := filepath.Abs(c.root)
			if s := sites[0]; s.AppDir != filepath.Join(wantRoot, c.app) || s.CodeRoot != wantRoot {
				t.Errorf("app %s in %s, want %s in %s", s.AppDir, s.CodeRoot, filepath.Join(wantRoot, c.app), wantRoot)
			}
		})
	}
}

// The wrappers the CLI and benchmarks call keep working, without a
// source tree: fetched code parses, local code is refused.
func TestParseWrappers(t *testing.T) {
	fetched := []byte("site \"blog\" {\n  domains = [\"blog.example.com\"]\n  wsgi = \"app\"\n  source {\n    git = \"https://git.example.com/blog.git\"\n    ref = \"v1\"\n  }\n}\n")
	local := []byte("site \"blog\" {\n  domains = [\"blog.example.com\"]\n  wsgi = \"app\"\n}\n")
	dir := t.TempDir()
	for name, b := range map[string][]byte{"fetched.hcl": fetched, "local.hcl": local} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name  string
		parse func() ([]Site, error)
		ok    bool
	}{
		{"Parse fetched", func() ([]Site, error) { return Parse("f.hcl", fetched) }, true},
		{"ParseFile fetched", func() ([]Site, error) { return ParseFile(filepath.Join(dir, "fetched.hcl")) }, true},
		{"ParsePath fetched", func() ([]Site, error) { return ParsePath(filepath.Join(dir, "fetched.hcl"), nil) }, true},
		{"Parse local", func() ([]Site, error) { return Parse("l.hcl", local) }, false},
		{"ParsePath local", func() ([]Site, error) { return ParsePath(filepath.Join(dir, "local.hcl"), nil) }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.parse()
			if c.ok && err != nil {
				t.Errorf("refused: %v", err)
			}
			if !c.ok && (err == nil || !strings.Contains(err.Error(), "No source tree")) {
				t.Errorf("err = %v, want No source tree", err)
			}
		})
	}
}
