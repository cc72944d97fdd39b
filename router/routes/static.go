package routes

import (
	"fmt"
	"path/filepath"
	"strings"
)

// A site's static dirs come from its service meta, which its (hostile)
// spec shapes, while the router reads them with its own rights. So the
// router serves a dir only if the operator's layout says it is the site's
// own: under a configured static root R, either R/<site>/... (a source
// tree: each site's code in its own directory) or R/sites/<site>/... (a
// media store: each site's subvolume).

// ValidStaticPrefix says whether p can be a static URL prefix: it starts
// and ends with '/', and holds nothing that could smuggle another pair into
// the "url=dir,url=dir" meta or walk up a path.
func ValidStaticPrefix(p string) bool {
	return len(p) > 0 && p[0] == '/' && p[len(p)-1] == '/' && !strings.Contains(p, "..") && plainPathChars(p)
}

// ValidStaticDir says whether d can be a static dir: absolute and clean,
// with nothing that could smuggle another pair into the meta.
func ValidStaticDir(d string) bool {
	return filepath.IsAbs(d) && filepath.Clean(d) == d && !strings.Contains(d, "..") && plainPathChars(d)
}

func plainPathChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == 0x7f || c == ',' || c == '=' {
			return false
		}
	}
	return true
}

// CheckStaticRoots rejects roots the confinement rule cannot rely on.
// Nested roots are refused: with /srv and /srv/media both roots, a site
// named "media" would own /srv/media, every other site's media included.
func CheckStaticRoots(roots []string) error {
	for i, r := range roots {
		if !ValidStaticDir(r) || r == "/" {
			return fmt.Errorf("static root %q must be an absolute, clean path other than /", r)
		}
		for _, o := range roots[:i] {
			if r == o || within(r, o) || within(o, r) {
				return fmt.Errorf("static roots %q and %q overlap", o, r)
			}
		}
	}
	return nil
}

// within says whether dir is strictly below root.
func within(dir, root string) bool {
	if root == "/" {
		return dir != "/"
	}
	return strings.HasPrefix(dir, root+"/")
}

// ConfineStatic keeps the entries of static that belong to site under one
// of roots, with Root, Base and Sub filled in, and reports the others.
// roots must have passed CheckStaticRoots; with none, nothing is kept.
func ConfineStatic(site string, static []Static, roots []string) (kept []Static, dropped []error) {
	for _, st := range static {
		if c, ok := confine(site, st, roots); ok {
			kept = append(kept, c)
		} else {
			dropped = append(dropped, fmt.Errorf("site %q: static %q=%q is not the site's own directory under a static root; not served", site, st.Prefix, st.Dir))
		}
	}
	return kept, dropped
}

func confine(site string, st Static, roots []string) (Static, bool) {
	if site == "" || site == "." || site == ".." || strings.ContainsAny(site, "/\x00") ||
		!ValidStaticPrefix(st.Prefix) || !ValidStaticDir(st.Dir) {
		return Static{}, false
	}
	for _, root := range roots {
		if !within(st.Dir, root) {
			continue
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(st.Dir, root), "/")
		first, rest, _ := strings.Cut(rel, "/")
		base := site
		if first == "sites" {
			// R/sites is the media store, every site's media in it; only
			// R/sites/<site> is this site's, even for a site named "sites".
			second, rest2, _ := strings.Cut(rest, "/")
			if second != site {
				continue
			}
			base, rest = "sites/"+site, rest2
		} else if first != site {
			continue
		}
		if rest == "" {
			rest = "."
		}
		st.Root, st.Base, st.Sub = root, base, rest
		return st, true
	}
	return Static{}, false
}
