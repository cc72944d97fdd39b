package sandbox

import (
	"archive/zip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// writeWheel makes a minimal pure-Python wheel, so pip has something to
// install without a network.
func writeWheel(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, body := range map[string]string{
		"sitepkg/__init__.py":                 "WHERE = __file__\n",
		"sitepkg-1.0.dist-info/METADATA":      "Metadata-Version: 2.1\nName: sitepkg\nVersion: 1.0\n",
		"sitepkg-1.0.dist-info/WHEEL":         "Wheel-Version: 1.0\nGenerator: hostctl-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
		"sitepkg-1.0.dist-info/top_level.txt": "sitepkg\n",
		"sitepkg-1.0.dist-info/RECORD":        "sitepkg/__init__.py,,\nsitepkg-1.0.dist-info/METADATA,,\nsitepkg-1.0.dist-info/WHEEL,,\nsitepkg-1.0.dist-info/top_level.txt,,\nsitepkg-1.0.dist-info/RECORD,,\n",
	} {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func launchPython(t *testing.T, d Dirs, src string, env []string, script string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "/bin/sh", "-c", script)
	cmd.Env = append(append(os.Environ(), "HOSTCTL_SANDBOX_CHILD=1", "HOSTCTL_SANDBOX_APP="+src,
		"NOMAD_ALLOC_DIR="+d.Alloc, "NOMAD_TASK_DIR="+d.Task, "NOMAD_SECRETS_DIR="+d.Secrets), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// The site's interpreter comes first on PATH through a virtualenv that has
// the site's requirements and still sees the system's packages.
func TestLaunchBuildsVirtualenv(t *testing.T) {
	requireRoot(t)
	d, root := fakeAlloc(t)
	src := filepath.Join(root, "src")
	os.MkdirAll(filepath.Join(src, "dist"), 0o755)
	writeWheel(t, filepath.Join(src, "dist", "sitepkg-1.0-py3-none-any.whl"))
	os.WriteFile(filepath.Join(src, "requirements.txt"), []byte("./dist/sitepkg-1.0-py3-none-any.whl\nFlask\n"), 0o644)
	env := []string{"HOSTCTL_SANDBOX_PYTHON=/usr/bin/python3", "HOSTCTL_SANDBOX_REQUIREMENTS=requirements.txt"}
	script := `command -v python3; python3 -c 'import sys, sitepkg, flask, gunicorn; print("prefix", sys.prefix); print("pkg", sitepkg.WHERE)'`
	out, err := launchPython(t, d, src, env, script)
	if err != nil {
		t.Fatalf("launch: %v\n%s", err, out)
	}
	venv := filepath.Join(d.Alloc, VenvDirName)
	for _, want := range []string{venv + "/bin/python3\n", "prefix " + venv + "\n", "pkg " + venv + "/lib/"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// A second process of the instance reuses it instead of reinstalling.
	out, err = launchPython(t, d, src, env, `python -c 'import sitepkg; print("again", sitepkg.WHERE)'`)
	if err != nil || strings.Contains(out, "installing") || !strings.Contains(out, "again "+venv) {
		t.Errorf("second launch: %v\n%s", err, out)
	}
}

func TestLaunchVirtualenvErrors(t *testing.T) {
	requireRoot(t)
	for _, c := range []struct {
		name string
		env  []string
		want string
	}{
		{"missing interpreter", []string{"HOSTCTL_SANDBOX_PYTHON=/usr/bin/python9.9"}, "python /usr/bin/python9.9 is not installed on this node"},
		{"missing named requirements", []string{"HOSTCTL_SANDBOX_PYTHON=/usr/bin/python3", "HOSTCTL_SANDBOX_REQUIREMENTS=req/prod.txt", "HOSTCTL_SANDBOX_REQUIRED=1"}, "requirements file req/prod.txt is not in the site's code"},
		{"unsatisfiable requirement", []string{"HOSTCTL_SANDBOX_PYTHON=/usr/bin/python3", "HOSTCTL_SANDBOX_REQUIREMENTS=requirements.txt"}, "installing requirements.txt"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, root := fakeAlloc(t)
			src := filepath.Join(root, "src")
			os.MkdirAll(src, 0o755)
			os.WriteFile(filepath.Join(src, "requirements.txt"), []byte("hostctl-no-such-package==9.9\n"), 0o644)
			out, err := launchPython(t, d, src, append(c.env, "PIP_NO_INDEX=1"), "echo ran")
			if err == nil || strings.Contains(out, "ran") || !strings.Contains(out, c.want) {
				t.Errorf("err %v, output lacks %q or the command ran:\n%s", err, c.want, out)
			}
		})
	}
}
