package btrfs_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/hostctl/hostctl/provisioner/btrfs"
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

func TestMountLoopGivesQuotaEnabledBtrfsAndCloseDetaches(t *testing.T) {
	_, loop := newStore(t)
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
	writeFile(t, filepath.Join(loop.Mountpoint, "kept"), []byte("still here"))

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

	// Mounting the same image again must keep its contents (the dev
	// cluster restarts on the same image).
	again, err := btrfs.MountLoop(loop.Image, imageSize, loop.Mountpoint)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if b, err := os.ReadFile(filepath.Join(again.Mountpoint, "kept")); err != nil || string(b) != "still here" {
		t.Errorf("remount lost data: %q, %v", b, err)
	}
}

func TestMountLoopRefusesToFormatForeignImage(t *testing.T) {
	dir := t.TempDir()
	image := filepath.Join(dir, "precious.img")
	writeFile(t, image, []byte("not a filesystem, but someone's data"))
	if l, err := btrfs.MountLoop(image, imageSize, filepath.Join(dir, "mnt")); err == nil {
		l.Close()
		t.Fatal("MountLoop formatted an image that held other data")
	}
	if b, _ := os.ReadFile(image); string(b) != "not a filesystem, but someone's data" {
		t.Error("image content changed")
	}
}
