package btrfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Loop is a btrfs filesystem in an image file, loop-mounted with quotas
// enabled: a real btrfs for tests and the dev cluster on machines whose
// disks are not btrfs.
type Loop struct {
	Image      string
	Mountpoint string
	Device     string // /dev/loopN, as the kernel attached it
}

// MountLoop mounts image at mountpoint, first creating a sizeBytes sparse
// image and formatting it if image is missing or empty. An image that
// already holds btrfs is mounted as is, so the dev cluster keeps its data
// across restarts; an image holding anything else is refused, not wiped.
func MountLoop(image string, sizeBytes int64, mountpoint string) (*Loop, error) {
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
	if _, err := run(ctx, "mount", "-t", "btrfs", "-o", "loop", image, mountpoint); err != nil {
		return nil, err
	}
	l := &Loop{Image: image, Mountpoint: mountpoint}
	if l.Device, err = mountedDevice(mountpoint); err == nil && l.Device == "" {
		err = fmt.Errorf("mounted %s but cannot find it in /proc/self/mountinfo", mountpoint)
	}
	if err == nil {
		_, err = btrfs(ctx, "quota", "enable", mountpoint)
	}
	if err != nil {
		return nil, errors.Join(err, l.Close())
	}
	return l, nil
}

// btrfsMagic sits at offset 0x10040, inside the primary superblock.
var btrfsMagic = []byte("_BHRfS_M")

const btrfsMagicOffset = 0x10040

func prepareImage(ctx context.Context, image string, sizeBytes int64) error {
	fi, err := os.Stat(image)
	switch {
	case errors.Is(err, fs.ErrNotExist) || (err == nil && fi.Size() == 0):
	case err != nil:
		return err
	default:
		if hasBtrfs(image) {
			return nil
		}
		return fmt.Errorf("%s exists and does not hold btrfs; refusing to format it", image)
	}
	f, err := os.OpenFile(image, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	err = f.Truncate(sizeBytes)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	_, err = run(ctx, "mkfs.btrfs", "-q", image)
	return err
}

func hasBtrfs(image string) bool {
	f, err := os.Open(image)
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, len(btrfsMagic))
	_, err = f.ReadAt(buf, btrfsMagicOffset)
	return err == nil && bytes.Equal(buf, btrfsMagic)
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
		if _, err := run(ctx, "umount", l.Mountpoint); err != nil {
			return err
		}
	}
	if l.Device == "" || detached(l.Device, l.Image) {
		return nil
	}
	if _, err := run(ctx, "losetup", "-d", l.Device); err != nil {
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

// MountedLoop describes image as mounted at mountpoint by an earlier
// MountLoop, possibly in another process (`hostctl dev up` mounts, `dev
// down` unmounts), so that Close can unmount it. Nothing mounted there is
// not an error: Close then does nothing.
func MountedLoop(image, mountpoint string) (*Loop, error) {
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
