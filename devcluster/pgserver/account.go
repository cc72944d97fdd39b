package pgserver

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// account is the Unix user the server runs as; nil means "as ourselves",
// which is what a non-root developer gets.
type account struct {
	uid, gid int
	groups   []uint32
	home     string
}

func serverAccount() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root needs a postgres user to run the server as: %w", err)
	}
	a := &account{home: u.HomeDir}
	if a.uid, err = strconv.Atoi(u.Uid); err != nil {
		return nil, err
	}
	if a.gid, err = strconv.Atoi(u.Gid); err != nil {
		return nil, err
	}
	gids, err := u.GroupIds()
	if err != nil {
		return nil, err
	}
	for _, g := range gids {
		n, err := strconv.Atoi(g)
		if err != nil {
			return nil, err
		}
		a.groups = append(a.groups, uint32(n))
	}
	return a, nil
}

// apply runs cmd as the account, in dir so the child never inherits a
// working directory it cannot read (initdb calls getcwd), with an
// environment that does not leak ours. SysProcAttr is always allocated,
// even when there is no account to switch to, so a caller can set fields
// such as Setsid without checking for nil or overwriting the Credential.
func (a *account) apply(cmd *exec.Cmd, dir string) {
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C", "TZ=UTC"}
	cmd.SysProcAttr = &syscall.SysProcAttr{}
	if a == nil {
		return
	}
	cmd.Env = append(cmd.Env, "HOME="+a.home)
	cmd.SysProcAttr.Credential = &syscall.Credential{
		Uid: uint32(a.uid), Gid: uint32(a.gid), Groups: a.groups,
	}
}

func (a *account) chown(path string) error {
	if a == nil {
		return nil
	}
	return os.Chown(path, a.uid, a.gid)
}

// prepareDir makes dir the server's private directory. Postgres insists
// the data directory be 0700 and owned by the server user; the socket and
// password file sit next to it under the same protection.
func prepareDir(dir string, a *account) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := a.chown(dir); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return err
	}
	if a != nil {
		return a.checkReachable(dir)
	}
	return nil
}

// checkReachable fails early with a clear message where initdb would fail
// later with a confusing one: a 0700 parent owned by root (t.TempDir makes
// those) keeps the postgres user out no matter what dir's own mode is.
func (a *account) checkReachable(dir string) error {
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		perm := fi.Mode().Perm()
		var ok bool
		switch {
		case int(st.Uid) == a.uid:
			ok = perm&0o100 != 0
		case a.inGroup(st.Gid):
			ok = perm&0o010 != 0
		default:
			ok = perm&0o001 != 0
		}
		if !ok {
			return fmt.Errorf("user postgres cannot enter %s (mode %v); put the server directory somewhere it can reach", p, perm)
		}
		if p == "/" {
			return nil
		}
	}
}

func (a *account) inGroup(gid uint32) bool {
	if int(gid) == a.gid {
		return true
	}
	for _, g := range a.groups {
		if g == gid {
			return true
		}
	}
	return false
}
