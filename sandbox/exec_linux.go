package sandbox

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/landlock-lsm/go-landlock/landlock"
	llsys "github.com/landlock-lsm/go-landlock/landlock/syscall"
)

// writeAccess is every kind of filesystem change Landlock can police.
// Reads and execution are left to Unix permissions (the site's own uid and
// 0700 directories), so the interpreter, libraries and the app's code load
// as usual; writing is what Landlock confines to the site's directories —
// in particular, no site can leave files in /tmp or /dev/shm for another.
const writeAccess = landlock.AccessFSSet(llsys.AccessFSWriteFile | llsys.AccessFSRemoveDir | llsys.AccessFSRemoveFile |
	llsys.AccessFSMakeChar | llsys.AccessFSMakeDir | llsys.AccessFSMakeReg | llsys.AccessFSMakeSock |
	llsys.AccessFSMakeFifo | llsys.AccessFSMakeBlock | llsys.AccessFSMakeSym | llsys.AccessFSTruncate)

// devFiles may be written by anyone, and programs expect to.
var devFiles = []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"}

func dropAndExec(spec Spec, workDir string) error {
	taskDir := filepath.Dir(spec.Dirs.Task)
	// Set-up commands (the virtualenv, pip) and the site's command see the
	// same environment: their home and temp dirs are the task's own.
	os.Setenv("HOME", spec.Dirs.Task)
	os.Setenv("TMPDIR", filepath.Join(taskDir, "tmp"))
	// No core dumps: they would carry secrets and database passwords into
	// files outside the site's control.
	if err := syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{}); err != nil {
		return err
	}
	if err := dropPrivileges(spec.UID); err != nil {
		return err
	}
	if workDir != "" {
		// Commands like "python3 manage.py ..." expect to start in the app.
		if err := os.Chdir(workDir); err != nil {
			return err
		}
	}
	writable := append([]string{spec.Dirs.Alloc, taskDir}, spec.ExtraWritable...)
	cfg := landlock.MustConfig(writeAccess)
	if err := cfg.BestEffort().RestrictPaths(
		landlock.PathAccess(writeAccess, writable...),
		landlock.PathAccess(landlock.AccessFSSet(llsys.AccessFSWriteFile|llsys.AccessFSTruncate), devFiles...).IgnoreIfMissing(),
	); err != nil {
		return fmt.Errorf("landlock: %w", err)
	}
	if spec.Python != "" {
		venv, err := prepareVenv(spec, workDir)
		if err != nil {
			return err
		}
		// "python", "python3" and anything pip installed resolve to the
		// site's interpreter, not whichever python3 the node has on PATH.
		os.Setenv("VIRTUAL_ENV", venv)
		os.Setenv("PATH", filepath.Join(venv, "bin")+":"+os.Getenv("PATH"))
		os.Unsetenv("PYTHONHOME")
	}
	bin, err := exec.LookPath(spec.Argv[0])
	if err != nil {
		return err
	}
	return syscall.Exec(bin, spec.Argv, os.Environ())
}

// dropPrivileges makes every thread of the process the site's uid and gid
// with no supplementary groups, for good.
func dropPrivileges(uid int) error {
	if err := syscall.Setgroups(nil); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	if err := syscall.Setgid(uid); err != nil {
		return fmt.Errorf("setgid: %w", err)
	}
	if err := syscall.Setuid(uid); err != nil {
		return fmt.Errorf("setuid: %w", err)
	}
	if err := syscall.Setuid(0); err == nil {
		return errors.New("regained root after dropping privileges")
	}
	return nil
}
