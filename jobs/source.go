package jobs

import (
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// sourceBlock is `source { path | git + ref | archive (+ checksum), dir }`.
// `app = "..."` on the site is the short form of `source { path = ... }`.
type sourceBlock struct {
	Path     *string  `hcl:"path,optional"`
	Git      *string  `hcl:"git,optional"`
	Ref      *string  `hcl:"ref,optional"`
	Archive  *string  `hcl:"archive,optional"`
	Checksum *string  `hcl:"checksum,optional"`
	Dir      *string  `hcl:"dir,optional"`
	Body     hcl.Body `hcl:",body"`
}

// decodeCode fills in where the site's code comes from and what it runs
// on: the source, the interpreter and the requirements file.
func decodeCode(sb siteBlock, baseDir string, def hcl.Range, s *Site) hcl.Diagnostics {
	var diags hcl.Diagnostics
	switch {
	case sb.App != nil && sb.Source != nil:
		diags = append(diags, errAt("Conflicting code locations", fmt.Errorf("set either app or a source block, not both"), attrRange(sb.Body, "app", def)))
	case sb.Source != nil:
		diags = append(diags, decodeSource(sb.Source, baseDir, blocksOf(sb.Body, "source")[0].DefRange, s)...)
	default:
		dir := "."
		if sb.App != nil {
			dir = *sb.App
		}
		s.AppDir, diags = localDir(dir, baseDir, attrRange(sb.Body, "app", def))
	}

	s.Python = DefaultPython
	if sb.Python != nil {
		s.Python = *sb.Python
		if err := CheckPython(s.Python); err != nil {
			diags = append(diags, errAt("Invalid python", err, attrRange(sb.Body, "python", def)))
		}
	}
	s.Requirements = DefaultRequirements
	if sb.Requirements != nil {
		s.Requirements, s.RequirementsRequired = *sb.Requirements, true
		if err := checkRelPath(s.Requirements); err != nil {
			diags = append(diags, errAt("Invalid requirements", err, attrRange(sb.Body, "requirements", def)))
		} else if s.AppDir != "" {
			if fi, err := os.Stat(filepath.Join(s.AppDir, s.Requirements)); err != nil || !fi.Mode().IsRegular() {
				diags = append(diags, errAt("Invalid requirements", fmt.Errorf("%s is not a file in the app directory %s", s.Requirements, s.AppDir), attrRange(sb.Body, "requirements", def)))
			}
		}
	}
	return diags
}

func decodeSource(b *sourceBlock, baseDir string, def hcl.Range, s *Site) hcl.Diagnostics {
	set := 0
	for _, p := range []*string{b.Path, b.Git, b.Archive} {
		if p != nil {
			set++
		}
	}
	if set != 1 {
		return hcl.Diagnostics{errAt("Invalid source", fmt.Errorf("a source block needs exactly one of path, git or archive (found %d)", set), def)}
	}
	var diags hcl.Diagnostics
	onlyWith := func(name string, v *string, allowed bool, with string) {
		if v != nil && !allowed {
			diags = append(diags, errAt("Invalid source", fmt.Errorf("%s applies only with %s", name, with), attrRange(b.Body, name, def)))
		}
	}
	onlyWith("ref", b.Ref, b.Git != nil, "git")
	onlyWith("checksum", b.Checksum, b.Archive != nil, "archive")
	onlyWith("dir", b.Dir, b.Path == nil, "git or archive (point path at the directory instead)")
	if diags.HasErrors() {
		return diags
	}
	if b.Path != nil {
		var d hcl.Diagnostics
		s.AppDir, d = localDir(*b.Path, baseDir, attrRange(b.Body, "path", def))
		return d
	}
	src := &Source{}
	if b.Dir != nil {
		src.Dir = path.Clean(*b.Dir)
		if err := checkRelPath(*b.Dir); err != nil {
			diags = append(diags, errAt("Invalid source dir", err, attrRange(b.Body, "dir", def)))
		}
	}
	if b.Git != nil {
		src.Git = *b.Git
		if err := CheckGitURL(src.Git); err != nil {
			diags = append(diags, errAt("Invalid git URL", err, attrRange(b.Body, "git", def)))
		}
		if b.Ref == nil {
			diags = append(diags, errAt("Missing ref", fmt.Errorf("git sources name the tag, branch or commit to deploy: ref = \"v1.2.0\""), def))
		} else {
			src.Ref = *b.Ref
			if err := CheckGitRef(src.Ref); err != nil {
				diags = append(diags, errAt("Invalid ref", err, attrRange(b.Body, "ref", def)))
			}
		}
	} else {
		src.Archive = *b.Archive
		if err := CheckArchiveURL(src.Archive); err != nil {
			diags = append(diags, errAt("Invalid archive URL", err, attrRange(b.Body, "archive", def)))
		}
		if b.Checksum != nil {
			src.Checksum = *b.Checksum
			if err := CheckChecksum(src.Checksum); err != nil {
				diags = append(diags, errAt("Invalid checksum", err, attrRange(b.Body, "checksum", def)))
			}
		}
	}
	s.Source = src
	return diags
}

// localDir resolves a code directory on this machine, relative to the spec.
func localDir(dir, baseDir string, r hcl.Range) (string, hcl.Diagnostics) {
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(baseDir, dir)
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return dir, hcl.Diagnostics{errAt("Invalid app directory", err, r)}
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return dir, hcl.Diagnostics{errAt("Invalid app directory", fmt.Errorf("app directory %s does not exist or is not a directory", dir), r)}
	}
	return dir, nil
}

var pythonRE = regexp.MustCompile(`^/[A-Za-z0-9._/+-]*/python[0-9.]*$`)

// CheckPython reports why p cannot be a site's interpreter. It must be an
// absolute path: the PATH of a Nomad client is not the site's business,
// and on Debian the python3 found there may not be the one with the
// system's packages.
func CheckPython(p string) error {
	if !pythonRE.MatchString(p) || path.Clean(p) != p {
		return fmt.Errorf("python %q must be an absolute path to an interpreter such as /usr/bin/python3 or /usr/bin/python3.11", p)
	}
	return nil
}

// CheckGitURL accepts the URL forms git and go-getter both understand
// without a shell: https, http, ssh and scp-like git@host:path.
func CheckGitURL(raw string) error {
	if strings.HasPrefix(raw, "git@") && !strings.Contains(raw, "://") {
		if strings.ContainsAny(raw, " \t\n?#") || !strings.Contains(raw, ":") {
			return fmt.Errorf("git URL %q: scp-like URLs look like git@host:owner/repo.git", raw)
		}
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("git URL %q: %v", raw, err)
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "ssh":
		return fmt.Errorf("git URL %q: use https://, http://, ssh:// or git@host:path", raw)
	case u.Host == "" || u.Path == "" || u.Path == "/":
		return fmt.Errorf("git URL %q needs a host and a repository path", raw)
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("git URL %q: give the ref as ref = \"...\", not in the URL", raw)
	}
	return nil
}

var gitRefRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$`)

// CheckGitRef keeps refs to what `git check-ref-format` allows and a
// commit hash matches, minus anything that could read as an option.
func CheckGitRef(ref string) error {
	if !gitRefRE.MatchString(ref) || strings.Contains(ref, "..") || strings.Contains(ref, "//") ||
		strings.HasSuffix(ref, ".lock") || strings.HasSuffix(ref, "/") || strings.HasSuffix(ref, ".") {
		return fmt.Errorf("ref %q is not a valid git tag, branch or commit", ref)
	}
	return nil
}

var archiveExts = []string{".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".zip"}

// CheckArchiveURL accepts http(s) URLs of archives go-getter unpacks by
// their extension.
func CheckArchiveURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("archive URL %q: %v", raw, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("archive URL %q must be an http:// or https:// URL", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("archive URL %q: give the checksum as checksum = \"sha256:...\", not in the URL", raw)
	}
	for _, ext := range archiveExts {
		if strings.HasSuffix(u.Path, ext) {
			return nil
		}
	}
	return fmt.Errorf("archive URL %q must end in one of %s", raw, strings.Join(archiveExts, " "))
}

var checksumRE = regexp.MustCompile(`^(md5:[0-9a-f]{32}|sha1:[0-9a-f]{40}|sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$`)

// CheckChecksum accepts the "algorithm:hex" form go-getter verifies.
func CheckChecksum(c string) error {
	if !checksumRE.MatchString(c) {
		return fmt.Errorf("checksum %q must look like sha256:<64 lowercase hex digits>", c)
	}
	return nil
}

// checkRelPath accepts a relative path that stays inside its root.
func checkRelPath(p string) error {
	c := path.Clean(p)
	if p == "" || path.IsAbs(p) || c == ".." || strings.HasPrefix(c, "../") || strings.ContainsAny(p, "\x00\n") {
		return fmt.Errorf("%q must be a relative path inside the code", p)
	}
	return nil
}
