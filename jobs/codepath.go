package jobs

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/hostctl/hostctl/contract"
)

// maxRelPath keeps a relative path to what a directory tree plausibly has.
const maxRelPath = 1024

// localCode resolves `app = dir` (or source { path = dir }): a directory
// inside the site's own part of the operator's source tree,
// SourceRoot/<site>/dir. A tenant's spec never names a path on the node
// directly: "/", "/etc", "../other" would hand another site's code, or
// the node's files, to this site's uid.
func localCode(dir string, o Options, s *Site, r hcl.Range) hcl.Diagnostics {
	if err := checkRelPath(dir); err != nil {
		return hcl.Diagnostics{errAt("Invalid app directory", fmt.Errorf("app %w", err), r)}
	}
	if o.SourceRoot == "" {
		return hcl.Diagnostics{errAt("No source tree", fmt.Errorf(
			"site %s's code is a local directory, but no source tree is set: set --source-root (or HOSTCTL_SOURCE_ROOT) to the directory holding one directory per site, or fetch the code with a git or archive source", s.Name), r)}
	}
	if contract.CheckSiteName(s.Name) != nil {
		return nil // reported with the name; it cannot be a directory
	}
	root, err := filepath.Abs(o.SourceRoot)
	if err != nil {
		return hcl.Diagnostics{errAt("Invalid app directory", err, r)}
	}
	s.CodeRoot = root
	siteDir := filepath.Join(root, s.Name)
	s.AppDir = filepath.Join(siteDir, filepath.FromSlash(path.Clean(dir)))
	// The CLI may run away from the nodes, where the tree is not: check
	// the code only when the tree is here to look at.
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return nil
	}
	if fi, err := os.Stat(siteDir); err != nil || !fi.IsDir() {
		return hcl.Diagnostics{errAt("Invalid app directory", fmt.Errorf("site %s's code is expected in %s (the source tree, --source-root), which is not a directory", s.Name, siteDir), r)}
	}
	if fi, err := os.Stat(s.AppDir); err != nil || !fi.IsDir() {
		return hcl.Diagnostics{errAt("Invalid app directory", fmt.Errorf("app directory %s does not exist or is not a directory", s.AppDir), r)}
	}
	return nil
}

// checkRelPath accepts a relative path that stays inside its root: no
// absolute path, no ".." anywhere (even one that comes back), no control
// characters.
func checkRelPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("%q must not be empty", p)
	case len(p) > maxRelPath:
		return fmt.Errorf("path is %d bytes; the limit is %d", len(p), maxRelPath)
	case controlChar(p) >= 0:
		return fmt.Errorf("%q has a control character", p)
	}
	if path.IsAbs(p) || filepath.IsAbs(p) || slices.Contains(strings.Split(p, "/"), "..") {
		return fmt.Errorf("%q must be a relative path inside its directory (no leading '/', no \"..\")", p)
	}
	return nil
}
