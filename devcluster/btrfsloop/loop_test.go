package btrfsloop_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/hostctl/hostctl/devcluster/btrfsloop"
	"github.com/hostctl/hostctl/internal/testkit"
)

func isMounted(t *testing.T, mountpoint string) bool {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 4 && f[4] == mountpoint {
			return true
		}
	}
	return false
}

func attachedLoops(t *testing.T, image string) string {
	t.Helper()
	out, err := exec.Command("losetup", "-j", image).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

func TestMountGivesQuotaEnabledBtrfsAndCloseDetaches(t *testing.T) {
	loop := testkit.Btrfs(t)
	var st unix.Statfs_t
	if err := unix.Statfs(loop.Mountpoint, &st); err != nil || st.Type != unix.BTRFS_SUPER_MAGIC {
		t.Fatalf("mountpoint is not btrfs (type %#x, err %v)", st.Type, err)
	}
	if !strings.HasPrefix(loop.Device, "/dev/loop") || attachedLoops(t, loop.Image) == "" {
		t.Fatalf("Device = %q, losetup -j: %q", loop.Device, attachedLoops(t, loop.Image))
	}
	if out, err := exec.Command("btrfs", "qgroup", "show", loop.Mountpoint).CombinedOutput(); err != nil {
		t.Fatalf("quotas not enabled: %v: %s", err, out)
	}
	// Mounted finds the mount from its paths alone, as `dev down` does.
	if m, err := btrfsloop.Mounted(loop.Image, loop.Mountpoint); err != nil || m.Device != loop.Device {
		t.Errorf("Mounted = %+v, %v; want device %s", m, err, loop.Device)
	}
	if err := os.WriteFile(filepath.Join(loop.Mountpoint, "kept"), []byte("still here"), 0o644); err != nil {
		t.Fatal(err)
	}

	if err := loop.Close(); err != nil {
		t.Fatal(err)
	}
	if isMounted(t, loop.Mountpoint) {
		t.Error("still mounted after Close")
	}
	if got := attachedLoops(t, loop.Image); got != "" {
		t.Errorf("loop device still attached after Close: %s", got)
	}
	if err := loop.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if m, err := btrfsloop.Mounted(loop.Image, loop.Mountpoint); err != nil || m.Device != "" {
		t.Errorf("Mounted after Close = %+v, %v; want no device", m, err)
	}

	// Mounting the same image again must keep its contents (the dev
	// cluster restarts on the same image).
	again, err := btrfsloop.Mount(loop.Image, testkit.BtrfsImageBytes, loop.Mountpoint)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if b, err := os.ReadFile(filepath.Join(again.Mountpoint, "kept")); err != nil || string(b) != "still here" {
		t.Errorf("remount lost data: %q, %v", b, err)
	}
}
