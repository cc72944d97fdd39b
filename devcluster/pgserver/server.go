// Package pgserver runs a private Postgres for the dev cluster and for
// tests: its own data directory made by initdb, a generated superuser
// password kept beside it, SCRAM for every connection, 127.0.0.1 only.
// Production never starts a server (it is handed an operator's through
// provisioner/postgres), so this lives with the dev cluster rather than in
// the provisioner.
package pgserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hostctl/hostctl/provisioner/postgres"
)

// Server is a private Postgres: its own data directory, listening on
// 127.0.0.1 only, with a generated superuser password, SCRAM
// authentication for every connection, and CONNECT on "postgres" and
// template1 revoked from PUBLIC when the cluster is made.
type Server struct {
	Dir      string // holds data/, the socket, the log and the password file
	Port     int
	User     string // superuser name
	Password string

	cmd  *exec.Cmd
	done chan struct{} // closed when the postmaster has exited
	err  error         // its exit status, valid after done
}

const (
	superuser    = "postgres"
	passwordFile = "superuser.password"
	logFile      = "postgres.log"
	readyTimeout = 60 * time.Second
)

// Start starts a server in dir, creating the cluster on first use and
// reusing it (and its password) afterwards, so the dev cluster keeps its
// databases across restarts. Port 0 picks a free port. As root the server
// runs as the "postgres" user, because initdb and postgres refuse to run
// as root; dir is then owned by that user with mode 0700. The server is a
// child of this process and logs to dir/postgres.log; see Prepare for one
// that outlives its caller.
func Start(dir string, port int) (*Server, error) {
	if port < 0 {
		return nil, fmt.Errorf("port %d is negative", port)
	}
	c, err := prepareCluster(dir)
	if err != nil {
		return nil, err
	}
	if port == 0 {
		if port, err = freePort(); err != nil {
			return nil, err
		}
	}
	s, cmd := c.command(port)
	if err := s.start(cmd); err != nil {
		return nil, err
	}
	if err := s.waitReady(); err != nil {
		_ = s.Stop()
		return nil, err
	}
	return s, nil
}

// AdminURL connects as the superuser over TCP. sslmode=disable because the
// server has no certificate and loopback traffic needs none.
func (s *Server) AdminURL() string {
	return postgres.URL("127.0.0.1", s.Port, postgres.Credentials{Role: s.User, Database: "postgres", Password: s.Password}) +
		"?sslmode=disable"
}

// PID is the postmaster's process ID, or 0 for a Server from Prepare,
// whose caller holds the process.
func (s *Server) PID() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

func (s *Server) dataDir() string { return filepath.Join(s.Dir, "data") }

func (s *Server) start(cmd *exec.Cmd) error {
	log, err := os.OpenFile(filepath.Join(s.Dir, logFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer log.Close() // the child holds its own copy
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	return nil
}

// waitReady is WaitReady that also gives up as soon as the child exits,
// rather than polling a dead server until the timeout.
func (s *Server) waitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	go func() {
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	err := WaitReady(ctx, s.AdminURL())
	if err == nil {
		return nil
	}
	// A port taken by another server fails the login there before our
	// child has exited; give it a moment so the error names the real cause.
	select {
	case <-s.done:
		return fmt.Errorf("postgres exited during startup (%v): %s", s.err, s.logTail())
	case <-time.After(2 * time.Second):
	}
	return fmt.Errorf("%w: %s", err, s.logTail())
}

// Stop shuts the server down by the PID it started: SIGINT is a fast
// shutdown (sessions rolled back, clean checkpoint); SIGQUIT and then
// SIGKILL follow only if it hangs, so a stuck server cannot wedge a test run.
func (s *Server) Stop() error {
	if s.cmd == nil {
		return errors.New("server was not started by Start; stop it by the PID its caller started")
	}
	for _, step := range []struct {
		sig  syscall.Signal
		wait time.Duration
	}{{syscall.SIGINT, 30 * time.Second}, {syscall.SIGQUIT, 10 * time.Second}, {syscall.SIGKILL, 10 * time.Second}} {
		select {
		case <-s.done:
			return s.exitErr()
		default:
		}
		if err := s.cmd.Process.Signal(step.sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return fmt.Errorf("signal postgres %d: %w", s.PID(), err)
		}
		select {
		case <-s.done:
			return s.exitErr()
		case <-time.After(step.wait):
		}
	}
	return fmt.Errorf("postgres %d did not exit", s.PID())
}

func (s *Server) exitErr() error {
	if s.err != nil {
		return fmt.Errorf("postgres exited: %w: %s", s.err, s.logTail())
	}
	return nil
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, logFile))
	const max = 2000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return strings.TrimSpace(string(b))
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
