package postgres

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
)

// BinDir finds the server's binaries. Debian keeps them out of PATH under
// /usr/lib/postgresql/<major>/bin, and its /usr/bin wrappers pick a version
// from cluster config that a private server does not have; so prefer the
// newest packaged major, then whatever PATH offers (other systems).
// Exported for the dev cluster's server (devcluster/pgserver): one lookup
// for its initdb and postgres and for Dump's pg_dump keeps pg_dump at
// least as new as the server it dumps, which pg_dump requires.
func BinDir() (string, error) {
	if dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin"); len(dirs) > 0 {
		slices.SortFunc(dirs, func(a, b string) int { return majorOf(b) - majorOf(a) })
		for _, d := range dirs {
			if _, err := exec.LookPath(filepath.Join(d, "postgres")); err == nil {
				return d, nil
			}
		}
	}
	p, err := exec.LookPath("postgres")
	if err != nil {
		return "", fmt.Errorf("postgres binaries not found under /usr/lib/postgresql or in PATH")
	}
	return filepath.Dir(p), nil
}

func majorOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func binary(name string) (string, error) {
	d, err := BinDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, name), nil
}
