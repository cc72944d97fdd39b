package proxy

import (
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/hostctl/hostctl/router/routes"
)

// serveStatic answers a request under a site's static prefix from disk,
// keeping its Python workers free. os.Root confines the lookup to the
// directory, symlinks included, so a crafted path or a link in the site's
// own files cannot reach beyond it. ServeContent does Range, HEAD and the
// conditional headers; the ETag lets browsers revalidate cheaply.
func serveStatic(w http.ResponseWriter, r *http.Request, st routes.Static) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		page(w, http.StatusMethodNotAllowed, "Method not allowed", "Static files are read-only.")
		return
	}
	rel := strings.TrimPrefix(path.Clean("/"+strings.TrimPrefix(r.URL.Path, st.Prefix)), "/")
	if rel == "" {
		rel = "."
	}
	root, err := os.OpenRoot(st.Dir)
	if err != nil {
		page(w, http.StatusNotFound, "Not found", "No such file.")
		return
	}
	defer root.Close()
	f, err := root.Open(rel)
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
