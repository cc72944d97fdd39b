package pgserver_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sys/unix"

	"github.com/hostctl/hostctl/devcluster/pgserver"
	"github.com/hostctl/hostctl/internal/testkit"
)

// The dev cluster's use: start the command itself in a new session, wait,
// use the server, and stop it by the PID it recorded.
func TestPrepareCommandRunsDetachedAndStopsByPID(t *testing.T) {
	testkit.NeedsPostgres(t)
	dir := testkit.PostgresDir(t)
	port := testkit.FreeLoopbackPort(t)

	s, cmd, err := pgserver.Prepare(dir, port)
	if err != nil {
		t.Fatal(err)
	}
	if cmd.Stdout != nil || cmd.Stderr != nil || cmd.Dir != s.Dir {
		t.Errorf("cmd Stdout=%v Stderr=%v Dir=%q; want nil, nil, %q", cmd.Stdout, cmd.Stderr, cmd.Dir, s.Dir)
	}
	cmd.SysProcAttr.Setsid = true // must not panic, as root or not
	log, err := os.Create(filepath.Join(t.TempDir(), "pg.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			stopByPID(t, pid, exited)
		}
	})

	ctx, cancel := context.WithTimeout(testContext(t), time.Minute)
	defer cancel()
	if err := pgserver.WaitReady(ctx, s.AdminURL()); err != nil {
		t.Fatal(err)
	}
	if sid, err := unix.Getsid(pid); err != nil || sid != pid {
		t.Errorf("postmaster session = %d (%v), want its own session %d", sid, err, pid)
	}
	if os.Geteuid() == 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat("/proc/" + strconv.Itoa(pid))
		if err != nil {
			t.Fatal(err)
		}
		if uid := fi.Sys().(*syscall.Stat_t).Uid; strconv.Itoa(int(uid)) != pg.Uid {
			t.Errorf("postmaster runs as uid %d, want postgres (%s)", uid, pg.Uid)
		}
	}
	conn, err := pgx.Connect(ctx, s.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	var listen string
	var gotPort int
	if err := conn.QueryRow(ctx, `SELECT current_setting('listen_addresses'), current_setting('port')::int`).
		Scan(&listen, &gotPort); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if listen != "127.0.0.1" || gotPort != port {
		t.Errorf("listening on %s:%d, want 127.0.0.1:%d", listen, gotPort, port)
	}
	if s.PID() != 0 || s.Stop() == nil {
		t.Error("PID/Stop act on a server whose process belongs to the caller")
	}

	stopByPID(t, pid, exited)
	stopped = true
	short, cancelShort := context.WithTimeout(ctx, time.Second)
	defer cancelShort()
	if err := pgserver.WaitReady(short, s.AdminURL()); err == nil {
		t.Error("WaitReady succeeded against a stopped server")
	}

	again, _, err := pgserver.Prepare(dir, port)
	if err != nil || again.Password != s.Password {
		t.Errorf("Prepare on the existing dir: err=%v, same password=%v", err, err == nil && again.Password == s.Password)
	}
}

// Prepare checks the port before it touches the disk, so this needs no
// Postgres and runs in the -short tier too.
func TestPrepareNeedsAPort(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "never-made")
	for _, port := range []int{0, -1, 65536} {
		t.Run(strconv.Itoa(port), func(t *testing.T) {
			if _, _, err := pgserver.Prepare(dir, port); err == nil {
				t.Errorf("Prepare accepted port %d", port)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused Prepare created its directory (stat: %v)", err)
			}
		})
	}
}

// stopByPID signals only the PID the test started (fast shutdown, then
// SIGKILL if it hangs) and checks the process is gone.
func stopByPID(t *testing.T, pid int, exited <-chan error) {
	t.Helper()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL} {
		if err := syscall.Kill(pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			t.Errorf("signal %d: %v", pid, err)
		}
		select {
		case err := <-exited:
			var exit *exec.ExitError
			if err != nil && !errors.As(err, &exit) {
				t.Errorf("wait for %d: %v", pid, err)
			}
			if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
				t.Errorf("postmaster %d still exists after it exited (kill 0: %v)", pid, err)
			}
			return
		case <-time.After(30 * time.Second):
		}
	}
	t.Errorf("postmaster %d did not exit", pid)
}
