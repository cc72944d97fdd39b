package sandbox

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
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
func prepareVenv(spec Spec, appDir string) (string, error) {
	venv := filepath.Join(spec.Dirs.Alloc, VenvDirName)
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
	return venv, os.WriteFile(ready, []byte(spec.Python+"\n"), 0o600)
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
