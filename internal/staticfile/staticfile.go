// Package staticfile answers requests for a site's static files, for the
// two places that serve them: the router, from a directory on its own
// disk (media), and each web instance's launcher, from the allocation's
// copy of the app. Both read directories a hostile site filled, so the
// guards live here once: no path or link leaves the served directory, no
// directory listing, no dotfiles, bounded paths, no content sniffing.
package staticfile

import (
	"mime"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"syscall"
)

// MaxPath bounds the URL paths looked up: nothing a site serves needs a
// longer one, and each byte is a lookup on disk.
const MaxPath = 2048

// Rel returns the file urlPath names below prefix, relative and
// slash-separated, or false if it names nothing a static server serves: a
// directory (no listings), a segment that is empty, "." or "..", or starts
// with "." (dotfiles such as .env or .git, which an app dir holds beside
// its assets), or a path longer than MaxPath.
func Rel(urlPath, prefix string) (string, bool) {
	if len(urlPath) > MaxPath || !strings.HasPrefix(urlPath, prefix) {
		return "", false
	}
	rest := urlPath[len(prefix):]
	if rest == "" {
		return "", false
	}
	for seg := range strings.SplitSeq(rest, "/") {
		if seg == "" || seg[0] == '.' || strings.ContainsFunc(seg, func(r rune) bool { return r < ' ' || r == 0x7f || r == '\\' }) {
			return "", false
		}
	}
	return rest, true
}

// Open opens rel read-only inside the directory base of top. top is opened
// as an os.Root and base inside it as a second one, so a link on the way
// or in base (absolute, or climbing out) is refused rather than followed:
// neither a crafted path nor a link the site planted reaches anything
// outside base. O_NONBLOCK: a site can leave a FIFO there, and a plain
// open of one would hang until a writer came; regular files ignore it.
func Open(top, base, rel string) (*os.File, error) {
	root, err := os.OpenRoot(top)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	dir, err := root.OpenRoot(base)
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	return dir.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}

// Serve answers r with f if it is a regular file, and reports false
// (having written nothing) otherwise. http.ServeContent does Range, HEAD
// and the conditional headers; the ETag lets browsers revalidate cheaply.
// The type comes from the extension alone (unknown: octet-stream) and
// nosniff stops browsers guessing, so a file cannot pass for another kind.
func Serve(w http.ResponseWriter, r *http.Request, f *os.File) bool {
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	ctype := mime.TypeByExtension(path.Ext(fi.Name()))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("ETag", `"`+strconv.FormatInt(fi.ModTime().UnixNano(), 36)+"-"+strconv.FormatInt(fi.Size(), 36)+`"`)
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, fi.Name(), fi.ModTime(), f)
	return true
}

// ReadOnly reports whether method may read a static file.
func ReadOnly(method string) bool { return method == http.MethodGet || method == http.MethodHead }
