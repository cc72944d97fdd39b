// Package sandbox is the small launcher that stands between Nomad's
// raw_exec driver and a site's processes. Nomad starts it as root in the
// task's directories; it closes those directories to everyone but the
// site's own uid (Nomad creates them world-writable), confines the
// process's writes to them with Landlock where the kernel has it, drops to
// the site's uid and gid with no supplementary groups, and execs the real
// command, which therefore receives Nomad's signals directly.
package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hostctl/hostctl/contract"
)

// Spec is everything the launcher needs for one process.
type Spec struct {
	UID int
	// Dirs are Nomad's directories for this task, from its environment.
	Dirs Dirs
	// CodeRoot and Code, if set, name the site's code on the node: the
	// directory Code (relative, e.g. "shop/app") below the operator's source
	// tree CodeRoot. The launcher runs the command in a private copy of it
	// (see stageCode).
	CodeRoot, Code string
	// Fetched, if set, is code Nomad fetched into the task (a git or archive
	// source), relative to the task dir; copied the same way, as the site.
	Fetched string
	// ExtraWritable are further directories the site may write (its media
	// store, say); everything else on the machine is read-only to it.
	ExtraWritable []string
	// Python, if set, is the site's interpreter: the launcher makes a
	// virtualenv of it in the allocation (see prepareVenv) with
	// Requirements, a file relative to the app, installed; a missing
	// file is an error only if RequirementsRequired.
	Python               string
	Requirements         string
	RequirementsRequired bool
	// VersionKey names the site's version (see store.go): its virtualenv
	// is kept on the node for allocations of the same version. Release
	// marks the release task, whose output is kept and restored instead
	// of rerun (release.go).
	VersionKey string
	Release    bool
	Argv       []string
}

// Dirs are the directories Nomad gives a task (NOMAD_ALLOC_DIR etc.).
type Dirs struct {
	Alloc   string // shared by the allocation's tasks: data/, tmp/, logs/
	Task    string // the task's local/ dir; its parent is the task dir
	Secrets string
}

// DirsFromEnv reads the task's directories from the variables Nomad sets.
func DirsFromEnv() (Dirs, error) {
	d := Dirs{
		Alloc:   os.Getenv("NOMAD_ALLOC_DIR"),
		Task:    os.Getenv("NOMAD_TASK_DIR"),
		Secrets: os.Getenv("NOMAD_SECRETS_DIR"),
	}
	for name, p := range map[string]string{"NOMAD_ALLOC_DIR": d.Alloc, "NOMAD_TASK_DIR": d.Task, "NOMAD_SECRETS_DIR": d.Secrets} {
		if p == "" || !filepath.IsAbs(p) {
			return d, fmt.Errorf("%s is %q; the launcher runs only as a Nomad task", name, p)
		}
	}
	return d, nil
}

// preflight refuses what no launch can do: a uid outside the site range,
// nothing to run, not starting as root, or a loader variable around.
func preflight(spec Spec) error {
	if err := contract.CheckUID(spec.UID); err != nil {
		return err
	}
	if len(spec.Argv) == 0 {
		return errors.New("no command to run")
	}
	if os.Geteuid() != 0 {
		return errors.New("the launcher must start as root to prepare the task's directories")
	}
	if spec.Code != "" && spec.Fetched != "" {
		return errors.New("the code comes either from the source tree or fetched, not both")
	}
	return checkRootEnv(os.Environ())
}
