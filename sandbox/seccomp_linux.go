package sandbox

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Landlock confines which TCP ports a site may bind (see confine), but on
// this kernel its rules do not apply to Multipath TCP sockets, and an MPTCP
// listener also accepts plain TCP connections: a site could bind another
// site's port that way while that one restarts, pass its health check and
// take its traffic (measured on kernel 6.18, Landlock ABI 7). io_uring can
// create sockets without the socket(2) system call, past any filter on it.
// So a small seccomp filter refuses both: socket(2) with IPPROTO_MPTCP, and
// io_uring_setup(2) (programs fall back to plain system calls on ENOSYS).
//
// It is assembled here rather than with a seccomp policy library because
// the one at hand (elastic/go-seccomp-bpf) lets system calls of a foreign
// ABI (32-bit int 0x80 on x86-64) through to its default action, and with
// an allow-by-default policy that would re-open exactly this hole.

// seccomp_data offsets (linux/seccomp.h).
const (
	offNr    = 0
	offArch  = 4
	offArg2  = 16 + 2*8 // low 32 bits on little-endian machines
	retAllow = unix.SECCOMP_RET_ALLOW
)

func errnoRet(e unix.Errno) uint32 { return unix.SECCOMP_RET_ERRNO | uint32(e) }

func stmt(code uint16, k uint32) unix.SockFilter { return unix.SockFilter{Code: code, K: k} }

func jump(code uint16, k uint32, jt, jf uint8) unix.SockFilter {
	return unix.SockFilter{Code: code, Jt: jt, Jf: jf, K: k}
}

// siteFilter is the program (classic BPF over struct seccomp_data).
func siteFilter() []unix.SockFilter {
	const (
		ld   = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
		jeq  = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
		jge  = unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K
		ret  = unix.BPF_RET | unix.BPF_K
		deny = unix.ENOSYS
	)
	return []unix.SockFilter{
		stmt(ld, offArch),
		// A foreign ABI's numbers mean other calls: refuse them all.
		jump(jeq, nativeArch, 1, 0),
		stmt(ret, errnoRet(deny)),
		stmt(ld, offNr),
		// x32's numbers alias the native ones with a high bit set.
		jump(jge, x32Bit, 0, 1),
		stmt(ret, errnoRet(deny)),
		jump(jeq, uint32(unix.SYS_IO_URING_SETUP), 0, 1),
		stmt(ret, errnoRet(deny)),
		jump(jeq, uint32(unix.SYS_SOCKET), 0, 3),
		stmt(ld, offArg2),
		jump(jeq, unix.IPPROTO_MPTCP, 0, 1),
		stmt(ret, errnoRet(unix.EPROTONOSUPPORT)),
		stmt(ret, retAllow),
	}
}

// installSeccomp applies the filter to every thread of this process and
// to whatever it execs. no_new_privs is set first, as the kernel requires
// of unprivileged callers (and Landlock has set it already anyway).
func installSeccomp() error {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no_new_privs: %w", err)
	}
	f := siteFilter()
	prog := unix.SockFprog{Len: uint16(len(f)), Filter: &f[0]}
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&prog)))
	if errno != 0 {
		return fmt.Errorf("seccomp: %w", errno)
	}
	return nil
}
