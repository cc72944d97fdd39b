package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// A site's release step (migrate, collectstatic) was most of a wake: it
// reran in every new allocation, Django's ≈ 1.8 s of a 2.4 s wake
// (docs/benchmarks.md). A wake starts the same version again, so the
// launcher keeps what a successful release left in the allocation — the
// app copy and alloc/data — on the node, private to the site, keyed by
// everything the release depends on; an allocation whose key is there
// gets that output restored instead of running the release again.
//
// The key covers the job's description of the site (VersionKey: the
// commands, interpreter, requirements, code source and environment, from
// package jobs), the restart stamp (`site restart` reruns it, which is how
// an operator reruns migrations after restoring a database) and the
// content of the staged code, so a changed file in the source tree is a
// new version even when the spec is not.

// release runs as the site, confined, in the app copy (workDir). With an
// output stored under this allocation's key it restores it; otherwise it
// runs argv and stores what it left. It exits as argv did.
func release(spec Spec, workDir, store string) error {
	store, err := storeSubdir(store, "releases")
	if err != nil {
		return err
	}
	digest, err := treeDigest(workDir)
	if err != nil {
		// Too big to remember, say: the release just runs.
		fmt.Fprintf(os.Stderr, "hostctl: release output not kept: %v\n", err)
	}
	key := ""
	if digest != "" {
		if key, err = versionKey(spec, digest); err != nil {
			return err
		}
	}
	if key != "" {
		err := restoreRelease(filepath.Join(store, key), spec.Dirs.Alloc)
		// The swap replaced the directory this process stands in.
		if cdErr := os.Chdir(workDir); cdErr != nil {
			return cdErr
		}
		switch {
		case err == nil:
			now := time.Now()
			_ = os.Chtimes(filepath.Join(store, key), now, now)
			fmt.Printf("release: this version's release already ran on this node; its output is restored (%s)\n", key[:12])
			os.Exit(0)
		case !errors.Is(err, os.ErrNotExist):
			fmt.Fprintf(os.Stderr, "hostctl: stored release output unusable, running the release: %v\n", err)
		}
	}
	code, err := runChild(spec.Argv)
	if err != nil {
		return err
	}
	if code == 0 && key != "" {
		if err := storeRelease(store, key, spec.Dirs.Alloc); err != nil {
			fmt.Fprintf(os.Stderr, "hostctl: release output not kept: %v\n", err)
		}
	}
	os.Exit(code)
	return nil
}

// runChild runs argv with the launcher's output and forwards Nomad's
// signals to it.
func runChild(argv []string) (int, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := startForwarding(cmd); err != nil {
		return 0, err
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(unix.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), nil
		}
		return exit.ExitCode(), nil
	}
	return 0, err
}

// The stored output of one release: the app copy and alloc/data as the
// release left them.
const (
	storedApp  = "app"
	storedData = "data"
	storedDone = ".complete"
)

// storeRelease copies the allocation's app and data into store/key,
// made under a temporary name and renamed into place once complete, and
// drops the site's older outputs beyond keepReleases.
func storeRelease(store, key, allocDir string) error {
	storeFd, err := openDir(store)
	if err != nil {
		return err
	}
	defer unix.Close(storeFd)
	partial := key + ".partial-" + strconv.Itoa(os.Getpid())
	_ = os.RemoveAll(filepath.Join(store, partial))
	if err := unix.Mkdirat(storeFd, partial, 0o700); err != nil {
		return err
	}
	err = func() error {
		dst, err := openBeneath(storeFd, partial, unix.O_RDONLY|unix.O_DIRECTORY)
		if err != nil {
			return err
		}
		defer unix.Close(dst)
		c := &treeCopy{owner: -1, uid: os.Getuid()}
		for _, part := range []string{storedApp, storedData} {
			src, err := openDir(filepath.Join(allocDir, part))
			if err != nil {
				return err
			}
			if err := c.dir(src, dst, part, 0); err != nil {
				return err
			}
		}
		return os.WriteFile(filepath.Join(store, partial, storedDone), nil, 0o600)
	}()
	if err == nil {
		err = renameNoReplace(storeFd, partial, storeFd, key)
		if errors.Is(err, unix.EEXIST) {
			err = nil // another instance of the same version stored it first
		}
	}
	_ = os.RemoveAll(filepath.Join(store, partial))
	if err != nil {
		return err
	}
	prune(store, key)
	return nil
}

// restoreRelease puts a stored output in place of the allocation's fresh
// app copy and into its (empty) data dir. os.ErrNotExist: none stored.
func restoreRelease(dir, allocDir string) error {
	if _, err := os.Stat(filepath.Join(dir, storedDone)); err != nil {
		return err
	}
	allocFd, err := openDir(allocDir)
	if err != nil {
		return err
	}
	defer unix.Close(allocFd)
	stored, err := openDir(dir)
	if err != nil {
		return err
	}
	defer unix.Close(stored)
	c := &treeCopy{owner: -1, uid: os.Getuid()}
	partial := AppDirName + ".restore-" + strconv.Itoa(os.Getpid())
	_ = os.RemoveAll(filepath.Join(allocDir, partial))
	src, err := openBeneath(stored, storedApp, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return err
	}
	if err := c.dir(src, allocFd, partial, 0); err != nil {
		_ = os.RemoveAll(filepath.Join(allocDir, partial))
		return err
	}
	// One rename swaps the fresh copy for the stored one: gunicorn, which
	// starts after this task, sees one or the other, never a mix.
	if err := unix.Renameat2(allocFd, partial, allocFd, AppDirName, unix.RENAME_EXCHANGE); err != nil {
		_ = os.RemoveAll(filepath.Join(allocDir, partial))
		return err
	}
	_ = os.RemoveAll(filepath.Join(allocDir, partial))
	data, err := openBeneath(allocFd, storedData, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return err
	}
	defer unix.Close(data)
	src, err = openBeneath(stored, storedData, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return err
	}
	return c.contents(src, data, 0)
}

// treeDigest hashes a directory's regular files (paths, owner's mode bits
// and content), within the same caps as the code copy.
func treeDigest(dir string) (string, error) {
	h := sha256.New()
	files, size := 0, int64(0)
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			fmt.Fprintf(h, "d %q\n", rel)
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files++
		size += info.Size()
		if files > maxAppFiles || size > maxAppBytes {
			return fmt.Errorf("the code is over %d files or %d GiB", maxAppFiles, maxAppBytes>>30)
		}
		fmt.Fprintf(h, "f %q %o %d\n", rel, info.Mode().Perm()&0o700, info.Size())
		// O_NONBLOCK: a file swapped for a FIFO must not hang the start.
		f, err := os.OpenFile(p, os.O_RDONLY|unix.O_NONBLOCK|unix.O_NOFOLLOW, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(h, io.LimitReader(f, info.Size()))
		return err
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
