package terraform

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hostctl/hostctl/internal/testkit"
)

// pinned is the version tools/terraform builds; a different binary on the
// cache path would make these results say nothing about the pin.
const pinned = "1.11.4"

// bin finds the terraform that scripts/bootstrap linked into the cache.
// Every test that needs it skips under -short, so `go test -short` runs
// without the slow build; otherwise a missing binary fails the test: a
// skip would let these checks silently stop running.
func bin(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the terraform binary scripts/bootstrap builds; -short skips it")
	}
	return testkit.Tool(t, "terraform")
}

// env keeps Terraform offline and out of the work tree: no version check,
// no CLI config of the machine's (it could name provider mirrors), and the
// .terraform dir (module links) in a temp dir instead of next to the
// configuration.
func env(t testing.TB) []string {
	t.Helper()
	dir := t.TempDir()
	cliConfig := filepath.Join(dir, "terraformrc")
	if err := os.WriteFile(cliConfig, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return append(os.Environ(),
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"TF_CLI_CONFIG_FILE="+cliConfig,
		"TF_DATA_DIR="+filepath.Join(dir, "data"),
	)
}

func run(t *testing.T, environ []string, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin(t), args...)
	cmd.Dir, cmd.Env = dir, environ
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	t0 := time.Now()
	err := cmd.Run()
	t.Logf("terraform %s in %s: %s", strings.Join(args, " "), dir, time.Since(t0).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("terraform %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out.String())
	}
	return out.String()
}

func TestVersionIsPinned(t *testing.T) {
	var v struct {
		Version string `json:"terraform_version"`
	}
	out := run(t, env(t), ".", "version", "-json")
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("terraform version -json: %v\n%s", err, out)
	}
	if v.Version != pinned {
		t.Errorf("terraform is %s, tools/terraform pins %s", v.Version, pinned)
	}
}

// TestFormat covers every configuration here, the aws example included: it
// is the only check that example gets offline, since validating it needs
// the hashicorp/aws provider, which cannot be downloaded here.
func TestFormat(t *testing.T) {
	run(t, env(t), ".", "fmt", "-check", "-recursive", "-diff")
}

// TestModules validates and runs the test suites of each configuration
// that needs no provider download. The number of passed runs must equal the
// number of run blocks, so a suite that stopped being picked up fails.
func TestModules(t *testing.T) {
	for _, dir := range []string{"modules/node", "examples/local"} {
		t.Run(dir, func(t *testing.T) {
			want := countRuns(t, dir)
			if want == 0 {
				t.Fatalf("%s has no run blocks in tests/*.tftest.hcl", dir)
			}
			e := env(t)
			run(t, e, dir, "init", "-backend=false", "-input=false")
			if out := run(t, e, dir, "validate", "-no-color"); !strings.Contains(out, "The configuration is valid") {
				t.Errorf("validate:\n%s", out)
			}
			out := run(t, e, dir, "test", "-no-color")
			m := regexp.MustCompile(`Success! (\d+) passed, 0 failed\.`).FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("terraform test did not report success:\n%s", out)
			}
			if got, _ := strconv.Atoi(m[1]); got != want {
				t.Errorf("terraform test passed %d runs, the suites have %d:\n%s", got, want, out)
			}
		})
	}
}

func countRuns(t *testing.T, dir string) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "tests", "*.tftest.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n += len(regexp.MustCompile(`(?m)^run "`).FindAll(b, -1))
	}
	return n
}
