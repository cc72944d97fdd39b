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
func decodeCode(sb siteBlock, def hcl.Range, o Options, s *Site) hcl.Diagnostics {
	var diags hcl.Diagnostics
	switch {
	case sb.App != nil && sb.Source != nil:
		diags = append(diags, errAt("Conflicting code locations", fmt.Errorf("set either app or a source block, not both"), attrRange(sb.Body, "app", def)))
	case sb.Source != nil:
		diags = append(diags, decodeSource(sb.Source, blocksOf(sb.Body, "source")[0].DefRange, o, s)...)
	default:
		dir := "."
		if sb.App != nil {
			dir = *sb.App
		}
		diags = append(diags, localCode(dir, o, s, attrRange(sb.Body, "app", def))...)
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
		} else if fi, err := os.Stat(s.AppDir); s.AppDir != "" && err == nil && fi.IsDir() {
			// Only where the code is here to look at (see localCode).
			if fi, err := os.Stat(filepath.Join(s.AppDir, s.Requirements)); err != nil || !fi.Mode().IsRegular() {
				diags = append(diags, errAt("Invalid requirements", fmt.Errorf("%s is not a file in the app directory %s", s.Requirements, s.AppDir), attrRange(sb.Body, "requirements", def)))
			}
		}
	}
	return diags
}

func decodeSource(b *sourceBlock, def hcl.Range, o Options, s *Site) hcl.Diagnostics {
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
		return localCode(*b.Path, o, s, attrRange(b.Body, "path", def))
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
		if err := checkGitURL(src.Git, o.TrustedSourceHosts); err != nil {
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
		if err := checkArchiveURL(src.Archive, o.TrustedSourceHosts); err != nil {
			diags = append(diags, errAt("Invalid archive URL", err, attrRange(b.Body, "archive", def)))
		}
		if b.Checksum == nil {
			// Without one, whoever controls the URL (or the path to it)
			// decides what runs as the site.
			diags = append(diags, errAt("Missing checksum", fmt.Errorf("archive sources need checksum = \"sha256:...\", so that what runs is what was reviewed"), def))
		} else {
			src.Checksum = *b.Checksum
			if err := CheckChecksum(src.Checksum); err != nil {
				diags = append(diags, errAt("Invalid checksum", err, attrRange(b.Body, "checksum", def)))
			}
		}
	}
	s.Source = src
	return diags
}

var pythonRE = regexp.MustCompile(`^/[A-Za-z0-9._/+-]*/python[0-9.]*$`)

// CheckPython reports why p cannot be a site's interpreter. It must be an
// absolute path: the PATH of a Nomad client is not the site's business,
// and on Debian the python3 found there may not be the one with the
// system's packages.
func CheckPython(p string) error {
	if len(p) > maxRelPath || !pythonRE.MatchString(p) || path.Clean(p) != p {
		return fmt.Errorf("python %q must be an absolute path to an interpreter such as /usr/bin/python3 or /usr/bin/python3.11", p)
	}
	return nil
}

// maxURL keeps source URLs to what a real one is; they are stored in the
// job and passed to git and go-getter.
const maxURL = 2048

// CheckGitURL accepts the URL forms git and go-getter both understand
// without a shell: https, http, ssh and scp-like git@host:path, with the
// host rules of checkSourceHost and no trusted hosts.
func CheckGitURL(raw string) error { return checkGitURL(raw, nil) }

var bareUserRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*$`)

func checkGitURL(raw string, trusted []string) error {
	if err := checkURLText(raw); err != nil {
		return fmt.Errorf("git URL %w", err)
	}
	if !strings.Contains(raw, "://") {
		user, host, repo, ok := splitSCP(raw)
		switch {
		case !ok || repo == "":
			return fmt.Errorf("git URL %q: scp-like URLs look like git@host:owner/repo.git", raw)
		case strings.Contains(user, ":"):
			return fmt.Errorf("git URL %q: %s", raw, credentialsAdvice)
		case !bareUserRE.MatchString(user):
			return fmt.Errorf("git URL %q: the user must be a plain name such as git", raw)
		}
		return checkSourceHost(host, host, trusted)
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
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return fmt.Errorf("git URL %q: give the ref as ref = \"...\", not in the URL", raw)
	}
	if err := checkURLUser(u); err != nil {
		return fmt.Errorf("git URL %q: %w", raw, err)
	}
	return checkSourceHost(u.Hostname(), u.Host, trusted)
}

const credentialsAdvice = "credentials belong in secrets, not in the spec (they would be stored in the job)"

// checkURLUser allows only ssh's bare user name (git@): a user in an
// http(s) URL is a token, and a password is a password.
func checkURLUser(u *url.URL) error {
	if u.User == nil {
		return nil
	}
	if _, hasPassword := u.User.Password(); hasPassword || u.Scheme != "ssh" {
		return fmt.Errorf("%s", credentialsAdvice)
	}
	if !bareUserRE.MatchString(u.User.Username()) {
		return fmt.Errorf("the user must be a plain name such as git")
	}
	return nil
}

// splitSCP splits git's scp-like syntax, user@host:path (host may be a
// bracketed IPv6 address).
func splitSCP(raw string) (user, host, repo string, ok bool) {
	user, rest, ok := strings.Cut(raw, "@")
	if !ok {
		return "", "", "", false
	}
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 || end+1 >= len(rest) || rest[end+1] != ':' {
			return "", "", "", false
		}
		return user, rest[1:end], rest[end+2:], true
	}
	host, repo, ok = strings.Cut(rest, ":")
	return user, host, repo, ok && host != ""
}

// checkURLText refuses what no URL needs and a command line or a log
// would read differently: spaces, control characters, huge lengths.
func checkURLText(raw string) error {
	switch {
	case len(raw) > maxURL:
		return fmt.Errorf("is %d bytes; the limit is %d", len(raw), maxURL)
	case controlChar(raw) >= 0 || strings.ContainsAny(raw, " \\"):
		return fmt.Errorf("%q has a space, a backslash or a control character", raw)
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
// their extension, with the host rules of checkSourceHost and no trusted
// hosts.
func CheckArchiveURL(raw string) error { return checkArchiveURL(raw, nil) }

func checkArchiveURL(raw string, trusted []string) error {
	if err := checkURLText(raw); err != nil {
		return fmt.Errorf("archive URL %w", err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("archive URL %q: %v", raw, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("archive URL %q must be an http:// or https:// URL", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return fmt.Errorf("archive URL %q: give the checksum as checksum = \"sha256:...\", not in the URL", raw)
	}
	if err := checkURLUser(u); err != nil {
		return fmt.Errorf("archive URL %q: %w", raw, err)
	}
	if err := checkSourceHost(u.Hostname(), u.Host, trusted); err != nil {
		return err
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
