package sandbox

import (
	"debug/elf"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/hostctl/hostctl/contract"
)

// rootUnsafe are variables that change how a process loads or behaves
// before main: glibc's loader and iconv, and the Go runtime. None of them
// may be in the launcher's own environment; since sites cannot name them
// (see contract.EnvPrefix), finding one means the node's environment or a job not
// rendered by hostctl carries it, and the launcher refuses rather than
// guess.
var rootUnsafe = []string{"LD_", "GCONV_PATH=", "GLIBC_TUNABLES=", "GODEBUG=", "GOTRACEBACK="}

// checkRootEnv refuses to go on as root with a loader or runtime variable
// in the environment.
func checkRootEnv(environ []string) error {
	for _, kv := range environ {
		for _, p := range rootUnsafe {
			if strings.HasPrefix(kv, p) {
				name, _, _ := strings.Cut(kv, "=")
				return fmt.Errorf("refusing to run as root with %s in the environment (loader and runtime variables never reach the launcher from a site's spec: check the node's environment and the job)", name)
			}
		}
	}
	return nil
}

// siteEnviron is the environment the site's command starts with: the
// task's, with every contract.EnvPrefix variable under its own name (a site's value
// wins over the node's), and HOME and TMPDIR in the task's own dirs.
func siteEnviron(environ []string, home, tmp string) []string {
	vars := map[string]string{}
	var own []string
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		if name, isSite := strings.CutPrefix(k, contract.EnvPrefix); isSite {
			if name != "" {
				own = append(own, name+"="+v)
			}
			continue
		}
		vars[k] = v
	}
	for _, kv := range own {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	// Set-up commands (the virtualenv, pip) and the site's command see the
	// same environment: their home and temp dirs are the task's own.
	vars["HOME"], vars["TMPDIR"] = home, tmp
	delete(vars, supervisedEnv)
	out := make([]string, 0, len(vars))
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// RequireStatic refuses a launcher binary that the dynamic loader starts:
// the loader acts on the environment before any Go code can check it, so
// the one process that starts as root among a site's variables must have
// no loader at all (build with CGO_ENABLED=0).
func RequireStatic() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	return CheckStatic(exe)
}

// CheckStatic is RequireStatic for the binary at path (the dev cluster
// checks the launcher it advertises before starting Nomad).
func CheckStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked: build hostctl with CGO_ENABLED=0 (scripts/bootstrap does), so that no loader runs as root before the launcher", path)
		}
	}
	return nil
}
