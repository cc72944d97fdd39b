package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// A site's store on a node keeps what preparing one version of it made —
// its virtualenv (venvs/<key>) and its release step's output
// (releases/<key>) — so that the next allocation of the same version (a
// wake, a scale-up, a move back) starts without making them again.

// StoreDirName is the node's store of prepared versions, next to the
// allocations in Nomad's alloc dir: one directory per site uid, the
// site's own (0700), under a root-owned 0711 parent.
const StoreDirName = ".hostctl-store"

// siteStore makes (as root) the site's directory in the node's store and
// returns it; the launcher, as the site, prepares the version there.
func siteStore(allocDir string, uid int) (string, error) {
	allocsDir := filepath.Dir(filepath.Dir(allocDir))
	parent, err := openDir(allocsDir)
	if err != nil {
		return "", err
	}
	defer unix.Close(parent)
	var st unix.Stat_t
	if err := unix.Fstat(parent, &st); err != nil {
		return "", err
	}
	if st.Uid != 0 {
		return "", fmt.Errorf("the alloc dir %s belongs to uid %d, not root (Nomad makes it root's)", allocsDir, st.Uid)
	}
	store, err := ownedDir(parent, StoreDirName, 0, 0o711)
	if err != nil {
		return "", err
	}
	defer unix.Close(store)
	site, err := ownedDir(store, strconv.Itoa(uid), uid, 0o700)
	if err != nil {
		return "", err
	}
	unix.Close(site)
	return filepath.Join(allocsDir, StoreDirName, strconv.Itoa(uid)), nil
}

// ownedDir opens name below parent, making it if missing, and (re)sets
// its owner and mode; a symlink or non-directory there is refused.
func ownedDir(parent int, name string, uid int, mode uint32) (int, error) {
	if err := unix.Mkdirat(parent, name, mode); err != nil && !errors.Is(err, unix.EEXIST) {
		return -1, err
	}
	fd, err := openBeneath(parent, name, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return -1, fmt.Errorf("%s: %w", name, err)
	}
	if err := unix.Fchown(fd, uid, uid); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if err := unix.Fchmod(fd, mode); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// keepVersions is how many virtualenvs and release outputs a site keeps
// per node: the running version, the one before it (a rollback) and one
// more.
const keepVersions = 3

// unusedFor is how long an entry nothing started from is kept at all.
const unusedFor = 7 * 24 * time.Hour

// restartMeta is the group meta `site restart` changes, as Nomad exposes
// it to tasks.
const restartMeta = "NOMAD_META_hostctl_restart"

var keyRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// storeSubdir makes (as the site) one kind's directory in its store.
func storeSubdir(store, kind string) (string, error) {
	dir := filepath.Join(store, kind)
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return "", err
	}
	return dir, nil
}

// versionKey is what the job says of the version plus the restart stamp:
// `site restart` makes everything again.
func versionKey(spec Spec, parts ...string) (string, error) {
	if !keyRE.MatchString(spec.VersionKey) {
		return "", fmt.Errorf("version key %q is not a sha256", spec.VersionKey)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", spec.VersionKey, os.Getenv(restartMeta))
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s\n", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// prune removes all but the newest keepVersions entries of dir (keep,
// the one in use, always stays; a venv's lock file goes with it), any
// not used for unusedFor, and leftovers of interrupted copies. Entries
// are touched when used, so their modification time says when.
func prune(dir, keep string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type stored struct {
		name string
		mod  int64
	}
	var all []stored
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || e.Name() == keep || strings.HasSuffix(e.Name(), ".lock") {
			continue
		}
		if !keyRE.MatchString(e.Name()) {
			// A partial copy older than a minute belongs to no running task.
			if time.Since(info.ModTime()) > time.Minute {
				_ = os.RemoveAll(filepath.Join(dir, e.Name()))
			}
			continue
		}
		all = append(all, stored{e.Name(), info.ModTime().UnixNano()})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].mod > all[j].mod })
	for i, s := range all {
		if i >= keepVersions-1 || time.Since(time.Unix(0, s.mod)) > unusedFor {
			_ = os.RemoveAll(filepath.Join(dir, s.name))
			_ = os.Remove(filepath.Join(dir, s.name+".lock"))
		}
	}
}
