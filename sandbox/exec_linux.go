package sandbox

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/landlock-lsm/go-landlock/landlock"
	llsys "github.com/landlock-lsm/go-landlock/landlock/syscall"

	"github.com/hostctl/hostctl/contract"
)

// writeAccess is every kind of filesystem change Landlock can police.
// Reads and execution are left to Unix permissions (the site's own uid and
// 0700 directories), so the interpreter, libraries and the app's code load
// as usual; writing is what Landlock confines to the site's directories —
// in particular, no site can leave files in /tmp or /dev/shm for another.
// REFER is handled and granted with the rest: left unhandled, Landlock
// refuses every rename or link between two directories (EXDEV), which
// breaks apps that write a temp file and rename it into place.
const writeAccess = landlock.AccessFSSet(llsys.AccessFSWriteFile | llsys.AccessFSRemoveDir | llsys.AccessFSRemoveFile |
	llsys.AccessFSMakeChar | llsys.AccessFSMakeDir | llsys.AccessFSMakeReg | llsys.AccessFSMakeSock |
	llsys.AccessFSMakeFifo | llsys.AccessFSMakeBlock | llsys.AccessFSMakeSym | llsys.AccessFSTruncate | llsys.AccessFSRefer)

// devFiles may be written by anyone, and programs expect to.
var devFiles = []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"}

// Launch prepares the task and replaces the current process with
// spec.Argv. It returns only on failure.
func Launch(spec Spec) error {
	if err := preflight(spec); err != nil {
		return err
	}
	// Under Supervise this is the second time: idempotent, and cheaper than
	// telling the child which steps its parent already took.
	if err := lockDirs(spec.Dirs, spec.UID); err != nil {
		return fmt.Errorf("closing task directories: %w", err)
	}
	workDir := ""
	if spec.Code != "" {
		dir, err := stageCode(spec.CodeRoot, spec.Code, spec.Dirs.Alloc, spec.UID)
		if err != nil {
			return err
		}
		workDir = dir
	}
	store := ""
	if spec.VersionKey != "" && (spec.Code != "" || spec.Fetched != "") {
		dir, err := siteStore(spec.Dirs.Alloc, spec.UID)
		if err != nil {
			return fmt.Errorf("the site's store on this node: %w", err)
		}
		store = dir
	}
	// No core dumps: they would carry secrets and database passwords into
	// files outside the site's control.
	if err := syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{}); err != nil {
		return err
	}
	if err := dropPrivileges(spec.UID); err != nil {
		return err
	}
	// From here on the process is the site's: nothing below can do more
	// than the site itself could.
	taskDir := filepath.Dir(spec.Dirs.Task)
	writable := append([]string{spec.Dirs.Alloc, taskDir}, spec.ExtraWritable...)
	preparing := writable
	if store != "" {
		preparing = append(slices.Clone(writable), store)
	}
	if err := confine(preparing, taskPorts(os.Environ()), true); err != nil {
		return err
	}
	if spec.Fetched != "" {
		dir, err := stageFetched(taskDir, spec.Fetched, spec.Dirs.Alloc, spec.UID)
		if err != nil {
			return err
		}
		workDir = dir
	}
	if workDir != "" {
		// Commands like "python3 manage.py ..." expect to start in the app.
		if err := os.Chdir(workDir); err != nil {
			return err
		}
	}
	env := siteEnviron(os.Environ(), spec.Dirs.Task, filepath.Join(taskDir, "tmp"))
	os.Clearenv()
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	if spec.Python != "" {
		venv, err := prepareVenv(spec, workDir, store)
		if err != nil {
			return err
		}
		// "python", "python3" and anything pip installed resolve to the
		// site's interpreter, not whichever python3 the node has on PATH.
		os.Setenv("VIRTUAL_ENV", venv)
		os.Setenv("PATH", filepath.Join(venv, "bin")+":"+os.Getenv("PATH"))
		os.Unsetenv("PYTHONHOME")
	}
	if store != "" && spec.Release && workDir != "" {
		return release(spec, workDir, store)
	}
	if store != "" {
		// The store is for preparing a version; what runs the site (and
		// whatever a request makes it do) writes nothing there.
		if err := restrictWrites(writable); err != nil {
			return err
		}
	}
	bin, err := exec.LookPath(spec.Argv[0])
	if err != nil {
		return err
	}
	return syscall.Exec(bin, spec.Argv, os.Environ())
}

// confine limits what the process (and everything it starts) may change:
// writes only below writable (and the usual /dev files), TCP binds only on
// ports (the task's own, which Nomad assigned; 0 lets the kernel pick an
// ephemeral port, which can never be another task's), no abstract Unix
// sockets or signals outside its own Landlock domain when scoped, and no
// MPTCP or io_uring (see installSeccomp). Landlock is best effort: a kernel
// too old for one of the rules simply does not enforce it, which the
// launcher reports rather than refusing to run sites.
func confine(writable []string, ports []uint16, scoped bool) error {
	args := []any{writeAccess, landlock.AccessNetSet(llsys.AccessNetBindTCP)}
	if scoped {
		// Not for the log writer: it must still signal its child, which
		// is outside its domain.
		args = append(args, landlock.ScopedSet(llsys.ScopeAbstractUnixSocket|llsys.ScopeSignal))
	}
	rules := []landlock.Rule{
		landlock.PathAccess(writeAccess, writable...),
		landlock.PathAccess(landlock.AccessFSSet(llsys.AccessFSWriteFile|llsys.AccessFSTruncate), devFiles...).IgnoreIfMissing(),
		landlock.BindTCP(0),
	}
	for _, p := range ports {
		rules = append(rules, landlock.BindTCP(p))
	}
	if err := landlock.MustConfig(args...).BestEffort().Restrict(rules...); err != nil {
		return fmt.Errorf("landlock: %w", err)
	}
	if abi, err := llsys.LandlockGetABIVersion(); err != nil || abi < 4 {
		fmt.Fprintf(os.Stderr, "hostctl launch: warning: this kernel's Landlock (ABI %d) cannot confine TCP binds; another site could take this one's port while it restarts\n", abi)
	}
	return installSeccomp()
}

// restrictWrites narrows writes further to writable, on top of what
// confine allowed: a second Landlock layer (layers only ever narrow).
func restrictWrites(writable []string) error {
	err := landlock.MustConfig(writeAccess).BestEffort().Restrict(
		landlock.PathAccess(writeAccess, writable...),
		landlock.PathAccess(landlock.AccessFSSet(llsys.AccessFSWriteFile|llsys.AccessFSTruncate), devFiles...).IgnoreIfMissing())
	if err != nil {
		return fmt.Errorf("landlock: %w", err)
	}
	return nil
}

// taskPorts are the ports Nomad assigned to the task's group
// (NOMAD_PORT_<label>): the only ones its processes may listen on. The
// static port is the supervisor's (see static.go), which binds it after
// gunicorn has started: the site's processes must not be able to take it
// first, whether by accident or to serve something else there.
func taskPorts(environ []string) []uint16 {
	var ports []uint16
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "NOMAD_PORT_") || k == "NOMAD_PORT_"+contract.StaticPortLabel {
			continue
		}
		if p, err := strconv.ParseUint(v, 10, 16); err == nil && p > 0 {
			ports = append(ports, uint16(p))
		}
	}
	sort.Slice(ports, func(i, j int) bool { return ports[i] < ports[j] })
	return ports
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
