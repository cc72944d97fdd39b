package sandbox

import (
	"errors"
	"fmt"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// lockDirs gives the site's uid its task's directories and takes them away
// from everyone else. Nomad makes them 0777 so that any task user can
// write; on a shared node that would let one site plant files in
// another's.
//
// Layout (Nomad's): ALLOC_ROOT/alloc/{data,tmp,logs} is shared by the
// allocation's tasks, ALLOC_ROOT/<task>/{local,tmp,secrets,private} is one
// task's. The allocation root stays traversable (0711) so the Nomad client
// and every task of the allocation reach their own parts; nothing below it
// can be listed or entered by other uids.
//
// Everything below the allocation root may already be the site's (a
// restarted task, or another task of the allocation that ran first), so
// each directory is opened through the root's handle without following
// symlinks and changed through its own descriptor: a site that replaced
// alloc/logs with a link to /etc gets a failed start, not a chmod of /etc.
func lockDirs(d Dirs, uid int) error {
	allocRoot := filepath.Dir(d.Alloc)
	root, err := openDir(allocRoot)
	if err != nil {
		return fmt.Errorf("allocation dir: %w", err)
	}
	defer unix.Close(root)
	var st unix.Stat_t
	if err := unix.Fstat(root, &st); err != nil {
		return err
	}
	// Only root may create entries next to alloc/ and the task dirs, or a
	// site could pre-empt them; Nomad makes this directory as root.
	if st.Uid != 0 {
		return fmt.Errorf("allocation dir %s belongs to uid %d, not root", allocRoot, st.Uid)
	}
	if err := unix.Fchmod(root, 0o711); err != nil {
		return err
	}
	taskDir, err := relBelow(allocRoot, filepath.Dir(d.Task))
	if err != nil {
		return err
	}
	secrets, err := relBelow(allocRoot, d.Secrets)
	if err != nil {
		return err
	}
	steps := []struct {
		rel  string
		mode uint32
	}{
		{"alloc", 0o700},
		{"alloc/data", 0o700},
		{"alloc/tmp", 0o700},
		// Logs are written by the launcher's log writer as the site's uid
		// (see Supervise); others must not read them.
		{"alloc/logs", 0o700},
		{taskDir, 0o700},
		{filepath.Join(taskDir, "local"), 0o700},
		{filepath.Join(taskDir, "tmp"), 0o700},
		// Secrets are rendered by Nomad (as root) before the task starts;
		// the site reads them and nobody else can.
		{secrets, 0o500},
	}
	for _, s := range steps {
		if err := lockDir(root, s.rel, uid, s.mode); err != nil {
			return fmt.Errorf("%s: %w", s.rel, err)
		}
	}
	return nil
}

func lockDir(root int, rel string, uid int, mode uint32) error {
	fd, err := openBeneath(root, rel, unix.O_RDONLY|unix.O_DIRECTORY)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.Fchown(fd, uid, uid); err != nil {
		return err
	}
	return unix.Fchmod(fd, mode)
}
