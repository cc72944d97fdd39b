package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Server is a private Postgres for tests and the dev cluster: its own data
// directory, listening on 127.0.0.1 only, with a generated superuser
// password and SCRAM authentication for every connection.
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

// StartServer starts a server in dir, creating the cluster on first use
// and reusing it (and its password) afterwards, so the dev cluster keeps
// its databases across restarts. Port 0 picks a free port. As root the
// server runs as the "postgres" user, because initdb and postgres refuse to
// run as root; dir is then owned by that user with mode 0700.
func StartServer(dir string, port int) (*Server, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	acct, err := serverAccount()
	if err != nil {
		return nil, err
	}
	if err := prepareDir(dir, acct); err != nil {
		return nil, err
	}
	password, err := superuserPassword(dir, acct)
	if err != nil {
		return nil, err
	}
	if err := initCluster(bin, dir, acct); err != nil {
		return nil, err
	}
	if port == 0 {
		if port, err = freePort(); err != nil {
			return nil, err
		}
	}
	s := &Server{Dir: dir, Port: port, User: superuser, Password: password, done: make(chan struct{})}
	if err := s.start(bin, acct); err != nil {
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
	return URL("127.0.0.1", s.Port, Credentials{Role: s.User, Database: "postgres", Password: s.Password}) +
		"?sslmode=disable"
}

// PID is the postmaster's process ID.
func (s *Server) PID() int {
	return s.cmd.Process.Pid
}

func (s *Server) dataDir() string { return filepath.Join(s.Dir, "data") }

func initCluster(bin, dir string, acct *account) error {
	if _, err := os.Stat(filepath.Join(dir, "data", "PG_VERSION")); err == nil {
		return nil
	}
	// C collation with UTF-8 keeps the cluster independent of which
	// locales the machine happens to have generated.
	cmd := exec.Command(filepath.Join(bin, "initdb"),
		"--pgdata="+filepath.Join(dir, "data"),
		"--username="+superuser,
		"--pwfile="+filepath.Join(dir, passwordFile),
		"--auth-host=scram-sha-256",
		"--auth-local=scram-sha-256",
		"--encoding=UTF8", "--locale=C",
	)
	acct.apply(cmd, dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb in %s: %w: %s", dir, err, strings.TrimSpace(string(out)))
	}
	return nil
}

func (s *Server) start(bin string, acct *account) error {
	log, err := os.OpenFile(filepath.Join(s.Dir, logFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer log.Close() // the child holds its own copy
	s.cmd = exec.Command(filepath.Join(bin, "postgres"),
		"-D", s.dataDir(),
		"-k", s.Dir, // the socket lives in a 0700 directory: nobody else can reach it
		"-h", "127.0.0.1",
		"-p", strconv.Itoa(s.Port),
		"-c", "password_encryption=scram-sha-256",
	)
	acct.apply(s.cmd, s.Dir)
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.done)
	}()
	return nil
}

// waitReady polls with a real login, which proves more than an open port:
// recovery finished and the password works.
func (s *Server) waitReady() error {
	deadline := time.Now().Add(readyTimeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("postgres exited during startup (%v): %s", s.err, s.logTail())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, s.AdminURL())
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(ctx)
		}
		cancel()
		if err == nil {
			return nil
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("postgres did not accept connections within %s: %v: %s", readyTimeout, last, s.logTail())
}

// Stop shuts the server down by the PID it started: SIGINT is a fast
// shutdown (sessions rolled back, clean checkpoint); SIGQUIT and then
// SIGKILL follow only if it hangs, so a stuck server cannot wedge a test run.
func (s *Server) Stop() error {
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
