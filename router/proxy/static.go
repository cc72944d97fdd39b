package proxy

import (
	"net/http"
	"path"

	"github.com/hostctl/hostctl/internal/staticfile"
	"github.com/hostctl/hostctl/router/routes"
)

// serveStatic answers a request under a prefix the router serves from its
// own disk (a media store), keeping the site's instances free. The lookup
// is confined to the site's own directory under its static root (see
// routes.ConfineStatic): staticfile.Open opens the root, then the site's
// directory inside it, and the rest of the path inside that, so neither a
// crafted path nor a link in the site's files reaches another site's files
// or anything else.
func serveStatic(w http.ResponseWriter, r *http.Request, st routes.Static) {
	if !staticfile.ReadOnly(r.Method) {
		w.Header().Set("Allow", "GET, HEAD")
		page(w, http.StatusMethodNotAllowed, "Method not allowed", "Static files are read-only.")
		return
	}
	rel, ok := staticfile.Rel(r.URL.Path, st.Prefix)
	if !ok || st.Root == "" || st.Base == "" || st.Sub == "" {
		page(w, http.StatusNotFound, "Not found", "No such file.")
		return
	}
	f, err := staticfile.Open(st.Root, st.Base, path.Join(st.Sub, rel))
	if err != nil {
		page(w, http.StatusNotFound, "Not found", "No such file.")
		return
	}
	defer f.Close()
	if !staticfile.Serve(w, r, f) {
		page(w, http.StatusNotFound, "Not found", "No such file.")
	}
}
