package postgres_test

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

	"github.com/hostctl/hostctl/internal/testkit"
	"github.com/hostctl/hostctl/provisioner/postgres"
)

// The dev cluster's use: start the command itself in a new session, wait,
// use the server, and stop it by the PID it recorded.
func TestPrepareServerCommandRunsDetachedAndStopsByPID(t *testing.T) {
	dir, err := os.MkdirTemp("", "hostctl-pg-prepare-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	port := testkit.FreeLoopbackPort(t)

	s, cmd, err := postgres.PrepareServer(dir, port)
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
	if err := postgres.WaitReady(ctx, s.AdminURL()); err != nil {
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
	if err := postgres.WaitReady(short, s.AdminURL()); err == nil {
		t.Error("WaitReady succeeded against a stopped server")
	}

	again, _, err := postgres.PrepareServer(dir, port)
	if err != nil || again.Password != s.Password {
		t.Errorf("PrepareServer on the existing dir: err=%v, same password=%v", err, err == nil && again.Password == s.Password)
	}
}

func TestPrepareServerNeedsAPort(t *testing.T) {
	for _, port := range []int{0, -1, 65536} {
		if _, _, err := postgres.PrepareServer(filepath.Join(os.TempDir(), "hostctl-never-made"), port); err == nil {
			t.Errorf("PrepareServer accepted port %d", port)
		}
	}
	if _, err := os.Stat(filepath.Join(os.TempDir(), "hostctl-never-made")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused PrepareServer created its directory (stat: %v)", err)
	}
}

// Waiting cannot fix a wrong password, so WaitReady must not spend its
// whole deadline on one.
func TestWaitReadyFailsFastOnBadPassword(t *testing.T) {
	wrong := postgres.URL("127.0.0.1", srv.Port, postgres.Credentials{Role: srv.User, Database: "postgres", Password: "wrong"}) +
		"?sslmode=disable"
	ctx, cancel := context.WithTimeout(testContext(t), 30*time.Second)
	defer cancel()
	start := time.Now()
	err := postgres.WaitReady(ctx, wrong)
	if sqlState(err) != invalidPassword || time.Since(start) > 10*time.Second {
		t.Errorf("WaitReady with a wrong password: err=%v after %s; want %s at once", err, time.Since(start), invalidPassword)
	}
	if err := postgres.WaitReady(ctx, srv.AdminURL()); err != nil {
		t.Errorf("WaitReady on the running test server: %v", err)
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
