package pgserver

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hostctl/hostctl/provisioner/postgres"
)

// Prepare creates dir, the cluster in dir/data and the superuser password
// file exactly as Start does, and returns the Server description with an
// unstarted command that runs postgres for it. It is for callers that want
// the server to outlive them (the dev cluster), so they own the process:
// they start it, record its PID and stop it by that PID (SIGINT is a fast,
// clean shutdown). Server.PID and Server.Stop do not apply to such a
// Server; AdminURL does.
//
// As root the command runs as the "postgres" user
// (cmd.SysProcAttr.Credential). cmd.SysProcAttr is never nil, so callers
// may set further fields on it, such as Setsid to detach from their
// session, but must not replace it. cmd.Dir and cmd.Env are set;
// Stdout and Stderr are left nil for the caller to point at a log.
//
// Port must be given (no free-port search: the caller records it). Calling
// Prepare again on an existing dir reuses the cluster and password.
func Prepare(dir string, port int) (*Server, *exec.Cmd, error) {
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
// Start picks a free port only after initdb so the port has less time to
// be taken by someone else.
type cluster struct {
	dir, bin, password string
	acct               *account
}

func prepareCluster(dir string) (*cluster, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	bin, err := postgres.BinDir()
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

// superuserPassword reads the password a previous start chose, or makes
// one. It is kept in dir because initdb wrote its hash into the cluster and
// a restart must be able to log in again.
func superuserPassword(dir string, a *account) (string, error) {
	path := filepath.Join(dir, passwordFile)
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "PG_VERSION")); err == nil {
		return "", fmt.Errorf("%s has a cluster but no %s; cannot log in to it", dir, passwordFile)
	}
	password := postgres.NewPassword()
	if err := os.WriteFile(path, []byte(password+"\n"), 0o600); err != nil {
		return "", err
	}
	// initdb reads the file as the server user.
	if err := a.chown(path); err != nil {
		return "", err
	}
	return password, nil
}

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
	if err := lockDown(bin, dir, acct); err != nil {
		// A later start would find PG_VERSION and reuse a cluster whose
		// maintenance databases are still open to every role.
		if rmErr := os.RemoveAll(filepath.Join(dir, "data")); rmErr != nil {
			return fmt.Errorf("%w (and removing the new cluster failed: %v)", err, rmErr)
		}
		return err
	}
	return nil
}

// lockDown runs postgres.LockDownSQL on a cluster initdb has just made. It
// uses the single-user backend because the caller of Prepare starts the
// postmaster itself, after this package has returned, and the databases
// must be closed before anyone can connect.
func lockDown(bin, dir string, acct *account) error {
	cmd := exec.Command(filepath.Join(bin, "postgres"), "--single",
		"-D", filepath.Join(dir, "data"),
		// Any failed statement must fail the command: the backend otherwise
		// reports the error and carries on.
		"-c", "exit_on_error=on",
		"template1")
	acct.apply(cmd, dir)
	cmd.Stdin = strings.NewReader(postgres.LockDownSQL())
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("close the maintenance databases to PUBLIC in %s: %w: %s",
			dir, err, strings.TrimSpace(string(out)))
	}
	return nil
}
