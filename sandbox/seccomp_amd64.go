package sandbox

import "golang.org/x/sys/unix"

const (
	nativeArch = unix.AUDIT_ARCH_X86_64
	// x32Bit marks x32 system call numbers (__X32_SYSCALL_BIT).
	x32Bit = 0x40000000
)
