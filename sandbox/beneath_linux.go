package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// The launcher starts as root inside directories a site can write (Nomad
// makes them, the site owns them from its first start). A path handed to
// open(2) there is a question the site may answer: it can swap any
// component for a symlink between the launcher's check and its use. So
// everything the launcher does as root below the allocation goes through
// directory handles it holds, resolving one relative name at a time with
// openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS): a symlink anywhere on the
// way is an error, never followed, and ".." cannot climb out.
const beneath = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS

// openBeneath opens rel below the directory dirfd without following any
// symlink. flags are open(2) flags; O_NOFOLLOW and O_CLOEXEC are added.
func openBeneath(dirfd int, rel string, flags int) (int, error) {
	if rel == "" || filepath.IsAbs(rel) {
		return -1, fmt.Errorf("%q is not a relative path", rel)
	}
	for {
		fd, err := unix.Openat2(dirfd, rel, &unix.OpenHow{
			Flags:   uint64(flags | unix.O_NOFOLLOW | unix.O_CLOEXEC),
			Resolve: beneath,
		})
		if errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN) {
			// EAGAIN: a concurrent rename elsewhere on the system made the
			// kernel give up on a race-free lookup; asking again is safe.
			continue
		}
		if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.EXDEV) || (errors.Is(err, unix.ENOTDIR) && isSymlink(dirfd, rel)) {
			return -1, fmt.Errorf("%s: a symlink or a path leaving its directory: refused", rel)
		}
		return fd, err
	}
}

// isSymlink reports whether rel's last component is a symlink, to tell
// "refused: a link" from a plain ENOTDIR in messages.
func isSymlink(dirfd int, rel string) bool {
	var st unix.Stat_t
	err := unix.Fstatat(dirfd, rel, &st, unix.AT_SYMLINK_NOFOLLOW)
	return err == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK
}

// openDir opens a directory by absolute path for use as a handle, refusing
// a final symlink. The components above it are trusted: they are Nomad's
// data directory or the operator's source tree, both root's.
func openDir(path string) (int, error) {
	if !filepath.IsAbs(path) {
		return -1, fmt.Errorf("%q is not an absolute path", path)
	}
	return unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
}

// relBelow is path relative to base, refused if it climbs out.
func relBelow(base, path string) (string, error) {
	rel, err := filepath.Rel(base, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("%s is not inside %s", path, base)
	}
	return rel, nil
}

// fileFromFD wraps a descriptor for reading directory entries and I/O.
func fileFromFD(fd int, name string) *os.File { return os.NewFile(uintptr(fd), name) }
