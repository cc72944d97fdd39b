package btrfsloop_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hostctl/hostctl/devcluster/btrfsloop"
	"github.com/hostctl/hostctl/internal/testkit"
)

// Mount refuses before it needs root or a loop device, so this runs in
// the -short tier too.
func TestMountRefusesToFormatForeignImage(t *testing.T) {
	const data = "not a filesystem, but someone's data"
	dir := t.TempDir()
	image := filepath.Join(dir, "precious.img")
	if err := os.WriteFile(image, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	if l, err := btrfsloop.Mount(image, testkit.BtrfsImageBytes, filepath.Join(dir, "mnt")); err == nil {
		l.Close()
		t.Fatal("Mount formatted an image that held other data")
	}
	if b, _ := os.ReadFile(image); string(b) != data {
		t.Error("image content changed")
	}
}
