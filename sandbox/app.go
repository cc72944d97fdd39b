package sandbox

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/hostctl/hostctl/contract"
)

// AppDirName is where, inside the allocation's shared dir, the launcher
// puts the site's private copy of its code.
const AppDirName = "app"

// A site's code is the tenant's: counts and sizes are capped so a copy
// cannot fill the node's disk or keep the launcher busy forever.
const (
	maxAppFiles = 50_000
	maxAppBytes = 2 << 30
	maxAppDepth = 64
)

// stageCode copies the site's code from the operator's source tree (rel
// below codeRoot) into the allocation, owned by the site and closed to
// everyone else, so the tree itself can be readable by root alone: no
// other site can read a site's code, neither where it was deployed from
// nor where it runs. Tasks of one allocation share the copy; the first to
// start makes it.
//
// It runs as root, so it writes only where no site can: a staging dir in
// the allocation root (root's, 0711), moved into alloc/ (the site's) with
// one rename that refuses to replace anything. The source is read through
// descriptors, one name at a time, never following a symlink, so a tree a
// site can write (its upload dir) cannot point the copy anywhere else.
func stageCode(codeRoot, rel, allocDir string, uid int) (string, error) {
	dst := filepath.Join(allocDir, AppDirName)
	allocRoot := filepath.Dir(allocDir)
	rootFd, err := openDir(allocRoot)
	if err != nil {
		return "", err
	}
	defer unix.Close(rootFd)
	allocFd, err := openBeneath(rootFd, "alloc", unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return "", err
	}
	defer unix.Close(allocFd)
	if ok, err := existingApp(allocFd, uid); ok || err != nil {
		return dst, err
	}

	treeFd, err := openDir(codeRoot)
	if err != nil {
		return "", fmt.Errorf("source tree %s: %w", codeRoot, err)
	}
	defer unix.Close(treeFd)
	srcFd, err := openBeneath(treeFd, rel, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return "", fmt.Errorf("the site's code %s in the source tree %s: %w", rel, codeRoot, err)
	}
	stage := ".hostctl-app-" + strconv.Itoa(os.Getpid())
	_ = os.RemoveAll(filepath.Join(allocRoot, stage))
	err = copyInto(srcFd, rootFd, stage, uid, uid)
	if err == nil {
		err = renameNoReplace(rootFd, stage, allocFd, AppDirName)
		if errors.Is(err, unix.EEXIST) {
			// Another task of the allocation was quicker: use its copy.
			_ = os.RemoveAll(filepath.Join(allocRoot, stage))
			_, err = existingApp(allocFd, uid)
		}
	}
	if err != nil {
		_ = os.RemoveAll(filepath.Join(allocRoot, stage))
		return "", fmt.Errorf("copying the app from %s: %w", filepath.Join(codeRoot, rel), err)
	}
	return dst, nil
}

// stageFetched copies code Nomad fetched into the task dir (rel below it)
// into the allocation. It runs as the site: the fetched tree lies in the
// site's own task dir, so root has no business reading it.
func stageFetched(taskDir, rel, allocDir string, uid int) (string, error) {
	dst := filepath.Join(allocDir, AppDirName)
	allocFd, err := openDir(allocDir)
	if err != nil {
		return "", err
	}
	defer unix.Close(allocFd)
	if ok, err := existingApp(allocFd, uid); ok || err != nil {
		return dst, err
	}
	taskFd, err := openDir(taskDir)
	if err != nil {
		return "", err
	}
	defer unix.Close(taskFd)
	srcFd, err := openBeneath(taskFd, rel, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return "", fmt.Errorf("fetched code %s: %w", rel, err)
	}
	stage := AppDirName + ".partial-" + strconv.Itoa(os.Getpid())
	_ = os.RemoveAll(filepath.Join(allocDir, stage))
	err = copyInto(srcFd, allocFd, stage, -1, uid)
	if err == nil {
		err = renameNoReplace(allocFd, stage, allocFd, AppDirName)
		if errors.Is(err, unix.EEXIST) {
			_ = os.RemoveAll(filepath.Join(allocDir, stage))
			_, err = existingApp(allocFd, uid)
		}
	}
	if err != nil {
		_ = os.RemoveAll(filepath.Join(allocDir, stage))
		return "", fmt.Errorf("copying the fetched code: %w", err)
	}
	return dst, nil
}

// existingApp reports whether alloc/app is already there, and refuses one
// that is not the site's own directory.
func existingApp(allocFd, uid int) (bool, error) {
	fd, err := openBeneath(allocFd, AppDirName, unix.O_RDONLY|unix.O_DIRECTORY)
	if errors.Is(err, unix.ENOENT) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return false, err
	}
	if int(st.Uid) != uid {
		return false, fmt.Errorf("alloc/%s belongs to uid %d, not the site", AppDirName, st.Uid)
	}
	return true, nil
}

func renameNoReplace(fromDir int, from string, toDir int, to string) error {
	return unix.Renameat2(fromDir, from, toDir, to, unix.RENAME_NOREPLACE)
}

// copyInto copies the directory srcFd (which it closes) into a new
// directory name below dstParent. owner >= 0 chowns what it makes (root's
// copy); uid is the site, whose files and root's are the only ones copied.
func copyInto(srcFd, dstParent int, name string, owner, uid int) error {
	c := &treeCopy{owner: owner, uid: uid}
	return c.dir(srcFd, dstParent, name, 0)
}

type treeCopy struct {
	owner, uid int
	files      int
	bytes      int64
}

func (c *treeCopy) dir(srcFd, dstParent int, name string, depth int) error {
	src := fileFromFD(srcFd, name)
	defer src.Close()
	if depth > maxAppDepth {
		return fmt.Errorf("directories nested deeper than %d", maxAppDepth)
	}
	if err := c.allowed(srcFd, name); err != nil {
		return err
	}
	if err := unix.Mkdirat(dstParent, name, 0o700); err != nil {
		return err
	}
	dstFd, err := openBeneath(dstParent, name, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return err
	}
	defer unix.Close(dstFd)
	if c.owner >= 0 {
		if err := unix.Fchown(dstFd, c.owner, c.owner); err != nil {
			return err
		}
	}
	return c.entries(src, dstFd, depth)
}

// contents copies what the directory srcFd (which it closes) holds into
// the existing directory dstFd.
func (c *treeCopy) contents(srcFd, dstFd, depth int) error {
	src := fileFromFD(srcFd, ".")
	defer src.Close()
	return c.entries(src, dstFd, depth)
}

func (c *treeCopy) entries(src *os.File, dstFd, depth int) error {
	entries, err := src.ReadDir(-1)
	if err != nil {
		return err
	}
	for _, e := range entries {
		switch {
		case e.IsDir():
			// Caches and history: regenerated or not needed to run.
			if e.Name() == "__pycache__" || e.Name() == ".git" {
				continue
			}
			fd, err := openBeneath(int(src.Fd()), e.Name(), unix.O_RDONLY|unix.O_DIRECTORY)
			if err != nil {
				return err
			}
			if err := c.dir(fd, dstFd, e.Name(), depth+1); err != nil {
				return err
			}
		case e.Type().IsRegular():
			if err := c.file(int(src.Fd()), dstFd, e.Name()); err != nil {
				return err
			}
		default:
			// Symlinks could point anywhere on the node (another site's
			// code included) and devices have no business in an app.
		}
	}
	return nil
}

func (c *treeCopy) file(srcDir, dstDir int, name string) error {
	// O_NONBLOCK: if the name was swapped for a FIFO since it was listed,
	// opening it must not hang the launcher.
	fd, err := openBeneath(srcDir, name, unix.O_RDONLY|unix.O_NONBLOCK)
	if err != nil {
		return err
	}
	in := fileFromFD(fd, name)
	defer in.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil
	}
	if err := c.owned(st, name); err != nil {
		return err
	}
	c.files++
	c.bytes += st.Size
	if c.files > maxAppFiles || c.bytes > maxAppBytes {
		return fmt.Errorf("the code is over %d files or %d GiB", maxAppFiles, maxAppBytes>>30)
	}
	// Keep the owner's execute bit (scripts), drop everyone else's access.
	outFd, err := unix.Openat(dstDir, name, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, st.Mode&0o700|0o400)
	if err != nil {
		return err
	}
	out := fileFromFD(outFd, name)
	if _, err := io.Copy(out, io.LimitReader(in, st.Size)); err != nil {
		out.Close()
		return err
	}
	if c.owner >= 0 {
		if err := unix.Fchown(outFd, c.owner, c.owner); err != nil {
			out.Close()
			return err
		}
	}
	return out.Close()
}

// allowed checks a directory's owner (see owned).
func (c *treeCopy) allowed(fd int, name string) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	return c.owned(st, name)
}

// owned refuses files and directories that belong to another site: code
// in a site's tree that another tenant could write (planted while Nomad's
// fresh directories were still world-writable, say) is not the site's.
func (c *treeCopy) owned(st unix.Stat_t, name string) error {
	if u := int(st.Uid); u != c.uid && contract.CheckUID(u) == nil {
		return fmt.Errorf("%s belongs to another site (uid %d): refused", name, u)
	}
	return nil
}
