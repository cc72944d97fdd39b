package devcluster

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// A real child process goes through the same start/record/stop path the
// agents do.
func TestPidFileLifecycle(t *testing.T) {
	dir := t.TempDir()
	pf := pidFile(filepath.Join(dir, "sleep.pid"))
	if _, ok := pf.running(); ok {
		t.Fatal("missing pid file reads as running")
	}
	p, err := startCmdDetached(pf, filepath.Join(dir, "sleep.log"), exec.Command("/bin/sleep", "60"))
	if err != nil {
		t.Fatal(err)
	}
	got, ok := pf.running()
	if !ok || got != p {
		t.Fatalf("running() = %+v,%v; want %+v", got, ok, p)
	}
	if err := pf.stop(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if _, ok := pf.running(); ok {
		t.Error("still running after stop")
	}
	if _, err := os.Stat(string(pf)); !os.IsNotExist(err) {
		t.Errorf("pid file kept after stop: %v", err)
	}
}

// A pid file whose PID now belongs to another process (different start
// time) must not be treated as ours.
func TestPidFileReusedPID(t *testing.T) {
	pf := pidFile(filepath.Join(t.TempDir(), "x.pid"))
	os.WriteFile(string(pf), []byte("1 12345678\n"), 0o600)
	if _, ok := pf.running(); ok {
		t.Error("PID 1 with a wrong start time read as our process")
	}
	if err := pf.stop(time.Second); err != nil {
		t.Error(err)
	}
}
