package sandbox

import "golang.org/x/sys/unix"

const (
	nativeArch = unix.AUDIT_ARCH_AARCH64
	// arm64 has no x32-style alias range; no system call number reaches this.
	x32Bit = 0xffffffff
)
