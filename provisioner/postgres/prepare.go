package postgres

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// PrepareServer creates dir, the cluster in dir/data and the superuser
// password file exactly as StartServer does, and returns the Server
// description with an unstarted command that runs postgres for it. It is
// for callers that want the server to outlive them (the dev cluster), so
// they own the process: they start it, record its PID and stop it by that
// PID (SIGINT is a fast, clean shutdown). Server.PID and Server.Stop do not
// apply to such a Server; AdminURL does.
//
// As root the command runs as the "postgres" user
// (cmd.SysProcAttr.Credential). cmd.SysProcAttr is never nil, so callers
// may set further fields on it, such as Setsid to detach from their
// session, but must not replace it. cmd.Dir and cmd.Env are set;
// Stdout and Stderr are left nil for the caller to point at a log.
//
// Port must be given (no free-port search: the caller records it). Calling
// PrepareServer again on an existing dir reuses the cluster and password.
func PrepareServer(dir string, port int) (*Server, *exec.Cmd, error) {
	if port <= 0 || port > 65535 {
		return nil, nil, fmt.Errorf("port %d out of range 1-65535", port)
	}
	c, err := prepareCluster(dir)
	if err != nil {
		return nil, nil, err
	}
	s, cmd := c.command(port)
	return s, cmd, nil
}

// cluster is a data directory ready to run, before a port is chosen;
// StartServer picks a free port only after initdb so the port has less
// time to be taken by someone else.
type cluster struct {
	dir, bin, password string
	acct               *account
}

func prepareCluster(dir string) (*cluster, error) {
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
	return &cluster{dir: dir, bin: bin, password: password, acct: acct}, nil
}

func (c *cluster) command(port int) (*Server, *exec.Cmd) {
	s := &Server{Dir: c.dir, Port: port, User: superuser, Password: c.password}
	cmd := exec.Command(filepath.Join(c.bin, "postgres"),
		"-D", s.dataDir(),
		"-k", s.Dir, // the socket lives in a 0700 directory: nobody else can reach it
		"-h", "127.0.0.1",
		"-p", strconv.Itoa(port),
		"-c", "password_encryption=scram-sha-256",
	)
	c.acct.apply(cmd, s.Dir)
	return s, cmd
}

// WaitReady polls adminURL with a real login, which proves more than an
// open port: recovery finished and the password works. It gives up at once
// on a rejected password or role, which waiting cannot fix, and otherwise
// when ctx ends.
func WaitReady(ctx context.Context, adminURL string) error {
	var last error
	for {
		attempt, cancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.Connect(attempt, adminURL)
		if err == nil {
			err = conn.Ping(attempt)
			conn.Close(context.Background())
		}
		cancel()
		if err == nil {
			return nil
		}
		if rejected(err) {
			return fmt.Errorf("postgres refused the login: %w", err)
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("postgres not ready: %w (last attempt: %v)", ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// rejected reports an authentication failure. A server still starting
// answers with 57P03 (cannot_connect_now), never with these.
func rejected(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) &&
		(pgErr.Code == "28P01" || pgErr.Code == "28000") // invalid_password, invalid_authorization_specification
}
