package devcluster

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// pidFile records a started process as "PID STARTTIME". The start time (in
// clock ticks since boot, from /proc/PID/stat) guards against signalling an
// unrelated process that reused the PID after ours died.
type pidFile string

type proc struct {
	pid   int
	start uint64
}

// startCmdDetached starts a prepared command (its user, its directory) in
// its own session, so it outlives the CLI that started it and can be
// stopped as a group, and records it in pf.
func startCmdDetached(pf pidFile, logPath string, cmd *exec.Cmd) (proc, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return proc{}, err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setsid = true
	if err := cmd.Start(); err != nil {
		return proc{}, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	p := proc{pid: cmd.Process.Pid}
	p.start, err = startTime(p.pid)
	if err != nil {
		_ = cmd.Process.Kill()
		return proc{}, err
	}
	// Nobody waits for it here: once this CLI exits, init reaps it.
	_ = cmd.Process.Release()
	if err := os.WriteFile(string(pf), []byte(fmt.Sprintf("%d %d\n", p.pid, p.start)), 0o600); err != nil {
		return proc{}, err
	}
	return p, nil
}

// running returns the process recorded in pf if it is still the same
// process; a stale or missing file means "not running".
func (pf pidFile) running() (proc, bool) {
	b, err := os.ReadFile(string(pf))
	if err != nil {
		return proc{}, false
	}
	var p proc
	if _, err := fmt.Sscanf(string(b), "%d %d", &p.pid, &p.start); err != nil || p.pid <= 0 {
		return proc{}, false
	}
	st, err := startTime(p.pid)
	if err != nil || st != p.start || isZombie(p.pid) {
		return proc{}, false
	}
	return p, true
}

// stop sends SIGTERM to the recorded process's group, waits up to grace for
// it to exit, then SIGKILLs the group. It removes the pid file either way.
func (pf pidFile) stop(grace time.Duration) error {
	defer os.Remove(string(pf))
	p, ok := pf.running()
	if !ok {
		return nil
	}
	_ = syscall.Kill(-p.pid, syscall.SIGTERM)
	if waitGone(p, grace) {
		return nil
	}
	_ = syscall.Kill(-p.pid, syscall.SIGKILL)
	if waitGone(p, 5*time.Second) {
		return nil
	}
	return fmt.Errorf("process %d (%s) did not exit after SIGKILL", p.pid, filepath.Base(string(pf)))
}

func waitGone(p proc, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if st, err := startTime(p.pid); err != nil || st != p.start || isZombie(p.pid) {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// startTime reads field 22 of /proc/PID/stat. The command name (field 2)
// may contain spaces, so parsing starts after its closing parenthesis.
func startTime(pid int) (uint64, error) {
	fields, err := statFields(pid)
	if err != nil {
		return 0, err
	}
	// fields[0] is field 3 (state), so field 22 is fields[19].
	if len(fields) < 20 {
		return 0, errors.New("short /proc stat")
	}
	return strconv.ParseUint(fields[19], 10, 64)
}

func isZombie(pid int) bool {
	fields, err := statFields(pid)
	return err == nil && len(fields) > 0 && fields[0] == "Z"
}

func statFields(pid int) ([]string, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil, errors.New("malformed /proc stat")
	}
	return strings.Fields(s[i+1:]), nil
}
