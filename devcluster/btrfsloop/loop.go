// Package btrfsloop gives the dev cluster, and tests, a real btrfs with
// quotas on machines whose disks are not btrfs: a filesystem in an image
// file, loop-mounted. Production stores sit on a filesystem the operator
// made (provisioner/btrfs never mounts anything), so this lives with the
// dev cluster rather than in the provisioner.
package btrfsloop

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Loop is a btrfs filesystem in an image file, loop-mounted with quotas
// enabled.
type Loop struct {
	Image      string
	Mountpoint string
	Device     string // /dev/loopN, as the kernel attached it
}

// Mount mounts image at mountpoint, first creating a sizeBytes sparse
// image and formatting it if image is missing or empty. An image that
// already holds btrfs is mounted as is, so the dev cluster keeps its data
// across restarts; an image holding anything else is refused, not wiped.
func Mount(image string, sizeBytes int64, mountpoint string) (*Loop, error) {
	image, err := filepath.Abs(image)
	if err != nil {
		return nil, err
	}
	if mountpoint, err = filepath.Abs(mountpoint); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := prepareImage(ctx, image, sizeBytes); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(mountpoint, 0o755); err != nil {
		return nil, err
	}
	if dev, _ := mountedDevice(mountpoint); dev != "" {
		return nil, fmt.Errorf("%s is already a mount point (of %s)", mountpoint, dev)
	}
	if err := run(ctx, "mount", "-t", "btrfs", "-o", "loop", image, mountpoint); err != nil {
		return nil, err
	}
	l := &Loop{Image: image, Mountpoint: mountpoint}
	if l.Device, err = mountedDevice(mountpoint); err == nil && l.Device == "" {
		err = fmt.Errorf("mounted %s but cannot find it in /proc/self/mountinfo", mountpoint)
	}
	if err == nil {
		err = run(ctx, "btrfs", "quota", "enable", mountpoint)
	}
	if err != nil {
		return nil, errors.Join(err, l.Close())
	}
	return l, nil
}

// Mounted describes image as mounted at mountpoint by an earlier Mount,
// possibly in another process (`hostctl dev up` mounts, `dev down`
// unmounts), so that Close can unmount it. Nothing mounted there is not an
// error: Device is then "" and Close does nothing.
func Mounted(image, mountpoint string) (*Loop, error) {
	image, err := filepath.Abs(image)
	if err != nil {
		return nil, err
	}
	if mountpoint, err = filepath.Abs(mountpoint); err != nil {
		return nil, err
	}
	dev, err := mountedDevice(mountpoint)
	if err != nil {
		return nil, err
	}
	return &Loop{Image: image, Mountpoint: mountpoint, Device: dev}, nil
}

// Close unmounts the filesystem. A loop device attached by mount -o loop
// has autoclear set and detaches when unmounted; Close waits for that and
// detaches it itself if the kernel did not, because leaked loop devices
// accumulate until the machine runs out of them. Closing twice is fine.
func (l *Loop) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if dev, err := mountedDevice(l.Mountpoint); err != nil {
		return err
	} else if dev != "" {
		if err := run(ctx, "umount", l.Mountpoint); err != nil {
			return err
		}
	}
	if l.Device == "" || detached(l.Device, l.Image) {
		return nil
	}
	if err := run(ctx, "losetup", "-d", l.Device); err != nil {
		return fmt.Errorf("%s still backs %s after unmount: %w", l.Image, l.Device, err)
	}
	if !detached(l.Device, l.Image) {
		return fmt.Errorf("%s still backs %s after losetup -d", l.Image, l.Device)
	}
	return nil
}

// detached waits a little, because autoclear runs when the last opener
// releases the device, which can trail umount's return.
func detached(dev, image string) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if loopBacking(dev) != image {
			return true
		}
	}
	return false
}

// loopBacking returns the file behind a loop device, "" when detached.
func loopBacking(dev string) string {
	b, err := os.ReadFile(filepath.Join("/sys/block", filepath.Base(dev), "loop", "backing_file"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
