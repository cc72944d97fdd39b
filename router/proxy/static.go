package proxy

import (
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"syscall"

	"github.com/hostctl/hostctl/router/routes"
)

// serveStatic answers a request under a site's static prefix from disk,
// keeping its Python workers free. The lookup is confined to the site's
// own directory under its static root (see routes.ConfineStatic): the
// static root is opened as an os.Root, the site's directory inside it as
// a second one, and the rest of the path inside that. os.Root refuses
// absolute links and links that leave it, so neither a crafted path nor a
// link in the site's files reaches another site's files or anything else.
// ServeContent does Range, HEAD and the conditional headers; the ETag lets
// browsers revalidate cheaply.
func serveStatic(w http.ResponseWriter, r *http.Request, st routes.Static) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		page(w, http.StatusMethodNotAllowed, "Method not allowed", "Static files are read-only.")
		return
	}
	f, err := openStatic(st, r.URL.Path)
	if err != nil {
		page(w, http.StatusNotFound, "Not found", "No such file.")
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		page(w, http.StatusNotFound, "Not found", "No such file.")
		return
	}
	w.Header().Set("ETag", `"`+strconv.FormatInt(fi.ModTime().UnixNano(), 36)+"-"+strconv.FormatInt(fi.Size(), 36)+`"`)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, fi.Name(), fi.ModTime(), f)
}

func openStatic(st routes.Static, urlPath string) (*os.File, error) {
	if st.Root == "" || st.Base == "" || st.Sub == "" {
		return nil, os.ErrNotExist
	}
	rel := strings.TrimPrefix(path.Clean("/"+strings.TrimPrefix(urlPath, st.Prefix)), "/")
	root, err := os.OpenRoot(st.Root)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	site, err := root.OpenRoot(st.Base)
	if err != nil {
		return nil, err
	}
	defer site.Close()
	// O_NONBLOCK: a site can put a FIFO in its own media dir, and a plain
	// open of one would hang until a writer came. Regular files ignore it.
	return site.OpenFile(path.Join(st.Sub, rel), os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
