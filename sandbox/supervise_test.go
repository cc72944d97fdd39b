package sandbox

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// supervised starts script under the supervising launcher as task "web".
func supervised(t *testing.T, d Dirs, script string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "/bin/sh", "-c", script)
	cmd.Env = append(os.Environ(), "HOSTCTL_SANDBOX_CHILD=supervise", "NOMAD_TASK_NAME=web",
		"NOMAD_ALLOC_DIR="+d.Alloc, "NOMAD_TASK_DIR="+d.Task, "NOMAD_SECRETS_DIR="+d.Secrets)
	// As Nomad's executor starts a task: in a process group of its own,
	// which it SIGKILLs after the kill timeout.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

func logFiles(t *testing.T, d Dirs, base string) (names []string, content string) {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Join(d.Alloc, "logs"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), base+".") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, n := range names {
		b, _ := os.ReadFile(filepath.Join(d.Alloc, "logs", n))
		content += string(b)
	}
	return names, content
}

func TestSuperviseWritesRotatedLogsAsTheSite(t *testing.T) {
	requireRoot(t)
	d, _ := fakeAlloc(t)
	// 20 lines of 10 bytes through 64-byte files, 2 kept: the newest
	// files hold the last lines, the oldest are gone.
	cmd := supervised(t, d, `for i in 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29; do echo "line $i.."; done; echo "uid $(id -u)" >&2; exit 7`)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 7 {
		t.Fatalf("supervisor exited %v, want the command's 7", err)
	}
	names, out := logFiles(t, d, "web.stdout")
	if len(names) != 2 || names[0] != "web.stdout.2" || names[1] != "web.stdout.3" {
		t.Errorf("stdout files %v, want the newest two of four (web.stdout.2, .3)", names)
	}
	if !strings.HasSuffix(out, "line 29..\n") || strings.Contains(out, "line 10") {
		t.Errorf("kept stdout %q, want the last lines only", out)
	}
	if _, errOut := logFiles(t, d, "web.stderr"); errOut != "uid 2000007\n" {
		t.Errorf("stderr log %q, want the command's stderr, run as the site", errOut)
	}
	for _, n := range names {
		fi, _ := os.Stat(filepath.Join(d.Alloc, "logs", n))
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != siteUID || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: uid %d mode %04o, want the site's, 0600", n, st.Uid, fi.Mode().Perm())
		}
	}

	// A restarted task continues in the newest file.
	if err := supervised(t, d, `echo again`).Wait(); err != nil {
		t.Fatal(err)
	}
	if names, out := logFiles(t, d, "web.stdout"); names[len(names)-1] != "web.stdout.3" || !strings.HasSuffix(out, "again\n") {
		t.Errorf("after a restart: %v %q", names, out)
	}
}

func TestSuperviseForwardsSignalsAndRunsConfined(t *testing.T) {
	requireRoot(t)
	d, _ := fakeAlloc(t)
	cmd := supervised(t, d, `trap 'echo got TERM; exit 3' TERM; echo ready; while :; do sleep 0.05; done`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, out := logFiles(t, d, "web.stdout"); strings.Contains(out, "ready") {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the command never started")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The supervisor has dropped to the site's uid.
	status, _ := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status")
	if !strings.Contains(string(status), "\nUid:\t2000007\t2000007\t2000007\t2000007\n") {
		t.Errorf("supervisor credentials:\n%s", status)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
		t.Errorf("after SIGTERM the supervisor exited %v, want the command's 3", err)
	}
	if _, out := logFiles(t, d, "web.stdout"); !strings.Contains(out, "got TERM") {
		t.Errorf("the command did not see SIGTERM; stdout %q", out)
	}
}

func TestLogFileRotation(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "web.stdout.5"), []byte("old\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "web.stdout.x"), []byte("not ours\n"), 0o600)
	l, err := openLogFile(dir, "web.stdout", 3, 8)
	if err != nil {
		t.Fatal(err)
	}
	l.Write([]byte("abcdefghijklmnopqrstuvwxyz"))
	l.Close()
	got := map[string]string{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		got[e.Name()] = string(b)
	}
	want := map[string]string{"web.stdout.6": "efghijkl", "web.stdout.7": "mnopqrst", "web.stdout.8": "uvwxyz", "web.stdout.x": "not ours\n"}
	if len(got) != len(want) {
		t.Fatalf("files %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestSupervisedCommandDiesWithTheTaskGroup(t *testing.T) {
	requireRoot(t)
	d, _ := fakeAlloc(t)
	cmd := supervised(t, d, `echo $$; exec sleep 60`)
	var pid string
	for deadline := time.Now().Add(10 * time.Second); pid == ""; time.Sleep(20 * time.Millisecond) {
		if _, out := logFiles(t, d, "web.stdout"); out != "" {
			pid = strings.TrimSpace(out)
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the command never started")
		}
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	cmd.Wait()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		st, err := os.ReadFile("/proc/" + pid + "/stat")
		// Gone, or a zombie waiting for a reaper: either way not running.
		if err != nil || strings.Contains(string(st), ") Z ") {
			return
		}
		if time.Now().After(deadline) {
			syscall.Kill(atoi(t, pid), syscall.SIGKILL)
			t.Fatalf("the site's process %s outlived the task's process group: %s", pid, st)
		}
	}
}

func atoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
