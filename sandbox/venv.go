package sandbox

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// VenvDirName is where, inside the allocation's shared dir, the site's
// virtualenv lives; the allocation's tasks share it.
const VenvDirName = "venv"

// prepareVenv gives the site its interpreter and requirements: a
// virtualenv of spec.Python that also sees the system's packages (so
// Debian's gunicorn, Django and Flask serve offline), with the
// requirements file installed by pip. It runs as the site, confined, so
// nothing a requirement's build runs can touch more than the site can.
// It returns the virtualenv's directory, to be put first on PATH.
//
// With a store (see store.go) the virtualenv is the version's, kept on
// the node in the site's store and reused by every allocation of it;
// building one took ≈ 1 s of a Django wake. Without, it is the
// allocation's own (alloc/venv).
func prepareVenv(spec Spec, appDir, store string) (string, error) {
	venv := filepath.Join(spec.Dirs.Alloc, VenvDirName)
	venvs, key := "", ""
	if store != "" {
		var err error
		if venvs, err = storeSubdir(store, "venvs"); err != nil {
			return "", err
		}
		if key, err = venvKey(spec, appDir); err != nil {
			return "", err
		}
		venv = filepath.Join(venvs, key)
	}
	lock, err := os.OpenFile(venv+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	// The release task and gunicorn of one instance may start together;
	// the second waits for the first's virtualenv instead of racing it.
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	ready := filepath.Join(venv, ".hostctl-ready")
	if _, err := os.Stat(ready); err == nil {
		// In use: the newest stay when the store is pruned.
		now := time.Now()
		_ = os.Chtimes(venv, now, now)
		return venv, nil
	}
	if fi, err := os.Stat(spec.Python); err != nil || fi.IsDir() {
		return "", fmt.Errorf("python %s is not installed on this node", spec.Python)
	}
	if err := os.RemoveAll(venv); err != nil {
		return "", err
	}
	if err := run(spec.Python, "-m", "venv", "--system-site-packages", "--without-pip", venv); err != nil {
		return "", fmt.Errorf("creating the virtualenv with %s: %w", spec.Python, err)
	}
	if err := installRequirements(spec, appDir, venv); err != nil {
		return "", err
	}
	if err := os.WriteFile(ready, []byte(spec.Python+"\n"), 0o600); err != nil {
		return "", err
	}
	if venvs != "" {
		prune(venvs, key)
	}
	return venv, nil
}

// venvKey names a virtualenv by the version, the interpreter (its path,
// size and modification time: an upgraded python gets a new one) and the
// requirements file's content.
func venvKey(spec Spec, appDir string) (string, error) {
	fi, err := os.Stat(spec.Python)
	if err != nil || fi.IsDir() {
		return "", fmt.Errorf("python %s is not installed on this node", spec.Python)
	}
	req := "none"
	if spec.Requirements != "" && appDir != "" {
		if b, err := os.ReadFile(filepath.Join(appDir, spec.Requirements)); err == nil {
			req = string(b)
		}
	}
	return versionKey(spec, spec.Python, fmt.Sprint(fi.Size(), fi.ModTime().UnixNano()), req)
}

func installRequirements(spec Spec, appDir, venv string) error {
	if spec.Requirements == "" || appDir == "" {
		return nil
	}
	req := filepath.Join(appDir, spec.Requirements)
	if _, err := os.Stat(req); errors.Is(err, os.ErrNotExist) {
		if spec.RequirementsRequired {
			return fmt.Errorf("requirements file %s is not in the site's code", spec.Requirements)
		}
		return nil
	}
	// pip comes from the system packages the virtualenv sees; whatever
	// they already satisfy is not downloaded again.
	fmt.Fprintf(os.Stderr, "hostctl: installing %s into the site's virtualenv\n", spec.Requirements)
	if err := run(filepath.Join(venv, "bin", "python"), "-m", "pip", "install", "--no-input", "--disable-pip-version-check", "-r", req); err != nil {
		return fmt.Errorf("installing %s: %w", spec.Requirements, err)
	}
	return nil
}

// run shows a set-up command's output in the task's logs, where a failed
// deploy prints it.
func run(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}
