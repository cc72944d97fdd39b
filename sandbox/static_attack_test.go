package sandbox

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/internal/testkit"
)

// A site fills its own static dir (its release step runs collectstatic
// there) and so can plant links in it: to another site's file, to
// /etc/shadow, up into its own app. The web task's supervisor serves that
// dir; it must serve the site's files and nothing a link points it to.
// The control: the site's own process reads the neighbour's file (it is
// world-readable), so nothing but the static server's guard keeps it out.
func TestStaticServerServesOnlyTheSitesOwnFiles(t *testing.T) {
	requireRoot(t)
	d, root := fakeAlloc(t)
	other := fakeAllocIn(t, root, "otheralloc")
	neighbour := filepath.Join(other.Alloc, "data", "neighbour.txt")
	if err := os.WriteFile(neighbour, []byte("NEIGHBOUR"), 0o644); err != nil {
		t.Fatal(err)
	}
	staticAlloc(t, d.Alloc, neighbour)
	app := filepath.Join(d.Alloc, AppDirName)
	filepath.Walk(app, func(p string, _ os.FileInfo, _ error) error { return os.Lchown(p, siteUID, siteUID) })
	os.Chmod(app, 0o700) // as stageCode leaves it

	port := strconv.Itoa(testkit.FreeLoopbackPort(t))
	cmd := exec.Command(os.Args[0], "/bin/sh", "-c", "cat "+neighbour+"; exec sleep 60")
	cmd.Env = append(os.Environ(), "HOSTCTL_SANDBOX_CHILD=supervise", "NOMAD_TASK_NAME=web",
		"NOMAD_ALLOC_DIR="+d.Alloc, "NOMAD_TASK_DIR="+d.Task, "NOMAD_SECRETS_DIR="+d.Secrets,
		"NOMAD_ADDR_"+contract.StaticPortLabel+"=127.0.0.1:"+port, "NOMAD_PORT_"+contract.StaticPortLabel+"="+port,
		contract.EnvStatic+"=/static/=collected")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// The supervisor forwards SIGTERM to its child and exits with it.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			_, errs := logFiles(t, d, "web.stderr")
			t.Fatalf("the static server never listened: %v\n%s", err, errs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	checkStatic(t, "http://127.0.0.1:"+port)

	if _, out := logFiles(t, d, "web.stdout"); !strings.Contains(out, "NEIGHBOUR") {
		t.Errorf("control: the site's own process could not read the neighbour's file (%q), so the test proves nothing", out)
	}
	status, _ := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status")
	if want := "\nUid:\t" + strconv.Itoa(siteUID) + "\t"; !strings.Contains(string(status), want) {
		t.Errorf("the static server does not run as the site:\n%s", status)
	}
}
