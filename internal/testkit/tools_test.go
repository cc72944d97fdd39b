package testkit_test

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/hostctl/hostctl/internal/testkit"
)

// recorder is a testing.TB that records a failure instead of failing the
// real test, so the helpers' failures can be checked. Fatal ends its
// goroutine as the real one does.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Fatal(...any)          { r.failed = true; runtime.Goexit() }
func (r *recorder) Fatalf(string, ...any) { r.failed = true; runtime.Goexit() }

// run calls f with a fresh recorder on a goroutine of its own, which Fatal
// may end.
func run(t *testing.T, f func(testing.TB) string) (failed bool, got string) {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		got = f(r)
	}()
	<-done
	return r.failed, got
}

func TestToolLookups(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("HOSTCTL_CACHE", cache)
	bin := filepath.Join(cache, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "nomad"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		f      func(testing.TB) string
		want   string
		failed bool
	}{
		{"Tool present", func(t testing.TB) string { return testkit.Tool(t, "nomad") }, filepath.Join(bin, "nomad"), false},
		{"Tool missing", func(t testing.TB) string { return testkit.Tool(t, "consul") }, "", true},
		{"ToolDir all present", func(t testing.TB) string { return testkit.ToolDir(t, "nomad") }, bin, false},
		{"ToolDir one missing", func(t testing.TB) string { return testkit.ToolDir(t, "nomad", "consul") }, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			failed, got := run(t, tc.f)
			if got != tc.want || failed != tc.failed {
				t.Errorf("got %q failed=%v; want %q failed=%v", got, failed, tc.want, tc.failed)
			}
		})
	}
}
