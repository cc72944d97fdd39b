package sandbox

import (
	"os"
	"path/filepath"
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
func lockDirs(d Dirs, uid int) error {
	taskDir := filepath.Dir(d.Task)
	allocRoot := filepath.Dir(d.Alloc)
	steps := []struct {
		path  string
		owner int // -1: leave the owner (root) alone
		mode  os.FileMode
	}{
		{allocRoot, -1, 0o711},
		{d.Alloc, uid, 0o700},
		{filepath.Join(d.Alloc, "data"), uid, 0o700},
		{filepath.Join(d.Alloc, "tmp"), uid, 0o700},
		// Logs are written by the launcher's log writer as the site's uid
		// (see Supervise); others must not read them.
		{filepath.Join(d.Alloc, "logs"), uid, 0o700},
		{taskDir, uid, 0o700},
		{d.Task, uid, 0o700},
		{filepath.Join(taskDir, "tmp"), uid, 0o700},
		// Secrets are rendered by Nomad (as root) before the task starts;
		// the site reads them and nobody else can.
		{d.Secrets, uid, 0o500},
	}
	for _, s := range steps {
		if _, err := os.Lstat(s.path); os.IsNotExist(err) {
			continue
		}
		if s.owner >= 0 {
			if err := os.Lchown(s.path, s.owner, s.owner); err != nil {
				return err
			}
		}
		if err := os.Chmod(s.path, s.mode); err != nil {
			return err
		}
	}
	return nil
}
