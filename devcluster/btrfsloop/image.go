package btrfsloop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// btrfsMagic sits at offset 0x10040, inside the primary superblock.
var btrfsMagic = []byte("_BHRfS_M")

const btrfsMagicOffset = 0x10040

// prepareImage makes a missing or empty image a sparse, freshly formatted
// btrfs of sizeBytes, accepts one that already holds btrfs, and refuses
// anything else rather than format over someone's data.
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
	return run(ctx, "mkfs.btrfs", "-q", image)
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
