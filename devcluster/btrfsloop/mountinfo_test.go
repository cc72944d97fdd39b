package btrfsloop

import "testing"

func TestUnescapeMountinfo(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "/tmp/mnt", "/tmp/mnt"},
		{"space", `/tmp/a\040b`, "/tmp/a b"},
		{"tab, newline and backslash", `/x\011y\012z\134w`, "/x\ty\nz\\w"},
		{"too short to be an escape", `/tmp/a\04`, `/tmp/a\04`},
		{"not octal", `/tmp/a\09x`, `/tmp/a\09x`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := unescapeMountinfo(tc.in); got != tc.want {
				t.Errorf("unescapeMountinfo(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// The root is mounted in every mount namespace, so this needs no root.
func TestMountedDevice(t *testing.T) {
	for _, tc := range []struct {
		name, mountpoint string
		mounted          bool
	}{
		{"root", "/", true},
		{"not a mount point", "/nonexistent/hostctl-mnt", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dev, err := mountedDevice(tc.mountpoint)
			if err != nil || (dev != "") != tc.mounted {
				t.Errorf("mountedDevice(%s) = %q, %v; want mounted=%v", tc.mountpoint, dev, err, tc.mounted)
			}
		})
	}
}
