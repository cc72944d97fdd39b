package sandbox

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

// Nomad's logmon, one per task, was the largest cost of an idle site:
// ≈ 12.6 MiB PSS, and two 100 ms flush tickers that at 224 idle sites kept
// 80 % of a core busy (docs/benchmarks.md). Site jobs therefore turn
// Nomad's log collection off, and the launcher stays on as the parent of
// the site's command, copying its output into Nomad's log files itself.

// LogLimits is the rotation of a task's stdout and stderr files.
type LogLimits struct {
	MaxFiles    int
	MaxFileSize int64
}

// supervisedEnv marks the launcher's child: it launches instead of
// supervising again.
const supervisedEnv = "HOSTCTL_LAUNCH_SUPERVISED"

// Supervised reports whether this launcher is the supervisor's child.
func Supervised() bool { return os.Getenv(supervisedEnv) != "" }

// forwarded are the signals Nomad (or an operator through `nomad alloc
// signal`) may send the task; gunicorn gives each a meaning.
var forwarded = []os.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT,
	syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGTTIN, syscall.SIGTTOU, syscall.SIGWINCH}

// Supervise runs this launcher again as a child with its output piped
// into rotated log files, forwards signals to it, and exits as it exits.
// The child does the launch proper (Launch). The supervisor itself drops
// to the site's uid and may write only the logs directory. It returns
// only on failure to start.
//
// The logs directory is the site's (it rotates its own files), so the
// supervisor opens nothing there while it is root: a symlink the site left
// as gunicorn.stdout.0 would otherwise have root create or append to any
// file on the node. It starts the child first, then drops privileges, and
// only then opens the files, as the site, refusing symlinks.
func Supervise(spec Spec, limits LogLimits) error {
	if err := preflight(spec); err != nil {
		return err
	}
	task := os.Getenv("NOMAD_TASK_NAME")
	if task == "" || filepath.Base(task) != task || task == "." || task == ".." {
		return fmt.Errorf("NOMAD_TASK_NAME is %q; the launcher runs only as a Nomad task", task)
	}
	logDir := filepath.Join(spec.Dirs.Alloc, "logs")
	staticAddr, staticPort, staticDirs, err := staticConfig(os.Environ())
	if err != nil {
		return err
	}
	var ports []uint16
	if staticAddr != "" {
		ports = []uint16{staticPort}
	}
	child, outR, errR, startErr := startChild(spec)
	if err := confineToLogs(spec.UID, logDir, ports); err != nil {
		if child != nil {
			_ = child.Process.Kill()
		}
		return err
	}
	stdout, err := openLogFile(logDir, task+".stdout", limits.MaxFiles, limits.MaxFileSize)
	if err != nil {
		return err
	}
	stderr, err := openLogFile(logDir, task+".stderr", limits.MaxFiles, limits.MaxFileSize)
	if err != nil {
		return err
	}
	if startErr != nil {
		// Nomad points this process's own output at /dev/null when its log
		// collection is off: say what went wrong in the log.
		fmt.Fprintf(stderr, "hostctl launch: %v\n", startErr)
		return startErr
	}
	if staticAddr != "" {
		// Only now, as the site and confined: it reads the site's files.
		if err := startStatic(staticAddr, spec.Dirs.Alloc, staticDirs); err != nil {
			// An instance that cannot serve its static files would pass
			// its health check and answer them with errors: fail it.
			fmt.Fprintf(stderr, "hostctl launch: serving static files: %v\n", err)
			_ = child.Process.Kill()
			_ = child.Wait()
			return err
		}
	}
	copied := make(chan struct{}, 2)
	go copyLog(outR, stdout, copied)
	go copyLog(errR, stderr, copied)

	_ = child.Wait()
	// Output still in the pipes belongs to the run that just ended; a
	// process that daemonized and kept the pipe open must not hold the
	// task up, though.
	deadline := time.After(2 * time.Second)
	for range 2 {
		select {
		case <-copied:
		case <-deadline:
		}
	}
	exitAs(child.ProcessState)
	return nil
}

// startChild closes the task's directories and starts the launcher again,
// as root, with its output on pipes and the signals Nomad sends forwarded.
func startChild(spec Spec) (child *exec.Cmd, outR, errR *os.File, err error) {
	if err := lockDirs(spec.Dirs, spec.UID); err != nil {
		return nil, nil, nil, fmt.Errorf("closing task directories: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, nil, nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		return nil, nil, nil, err
	}
	defer outW.Close()
	defer errW.Close()
	self, err := os.Executable()
	if err != nil {
		return nil, nil, nil, err
	}
	child = exec.Command(self, os.Args[1:]...)
	child.Env = append(os.Environ(), supervisedEnv+"=1")
	child.Stdin, child.Stdout, child.Stderr = os.Stdin, outW, errW
	// The child stays in the supervisor's process group: Nomad signals
	// only the task's main process (forwarded below), but after the kill
	// timeout it SIGKILLs the whole group, which must include the site.
	if err := startForwarding(child); err != nil {
		return nil, nil, nil, err
	}
	return child, outR, errR, nil
}

// startForwarding starts cmd and passes it every signal Nomad may send
// this process.
func startForwarding(cmd *exec.Cmd) error {
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, forwarded...)
	if err := cmd.Start(); err != nil {
		signal.Stop(signals)
		return err
	}
	go func() {
		for s := range signals {
			_ = cmd.Process.Signal(s)
		}
	}()
	return nil
}

// confineToLogs drops the supervisor to the site's uid and lets it write
// nothing but the logs directory, bind no port but ports (the static
// server's) and signal only its child.
func confineToLogs(uid int, logDir string, ports []uint16) error {
	if err := syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{}); err != nil {
		return err
	}
	if err := dropPrivileges(uid); err != nil {
		return err
	}
	return confine([]string{logDir}, ports, false)
}

func copyLog(r *os.File, w *logFile, done chan<- struct{}) {
	// Errors writing (a full disk) must not block the site: keep
	// draining the pipe so its writes never stall.
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			_, _ = w.Write(buf[:n])
		}
		if err != nil {
			if err != io.EOF {
				fmt.Fprintf(w, "hostctl launch: reading output: %v\n", err)
			}
			break
		}
	}
	w.Close()
	done <- struct{}{}
}

// exitAs ends the supervisor the way its child ended, so Nomad records the
// same exit code or signal.
func exitAs(st *os.ProcessState) {
	ws, ok := st.Sys().(syscall.WaitStatus)
	if ok && ws.Signaled() {
		signal.Reset(ws.Signal())
		_ = syscall.Kill(os.Getpid(), ws.Signal())
		time.Sleep(100 * time.Millisecond) // the signal is fatal; this is not reached for SIGKILL/SIGTERM
		os.Exit(128 + int(ws.Signal()))
	}
	os.Exit(st.ExitCode())
}
