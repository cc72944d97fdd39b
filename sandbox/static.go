package sandbox

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/internal/staticfile"
)

// The web task's supervisor (Supervise) also serves the site's static
// dirs, from the allocation's copy of the app, on the instance's second
// port: a release step's output (collectstatic) is there and nowhere
// else, and it works on whichever node the instance lands, without
// Python. It serves as the site's uid, confined like the log writer, so
// it can read nothing the site could not; the guards in staticfile keep
// it to the dirs the spec named.

// staticDir is one URL prefix and the directory of the app it maps to.
type staticDir struct{ prefix, dir string }

var (
	staticPrefixRE = regexp.MustCompile(`^/([A-Za-z0-9._~-]+/)+$`)
	staticDirRE    = regexp.MustCompile(`^[A-Za-z0-9._/-]+$`)
)

// staticConfig reads what to serve and where from the task's environment:
// contract.EnvStatic (the job's, which a site cannot set) and the static
// port Nomad assigned. addr is "" when there is nothing to serve (another
// task, or `site run` copying the web task's environment without its
// port). The pairs are checked again here, strictly, since they name
// directories the launcher will read.
func staticConfig(environ []string) (addr string, port uint16, dirs []staticDir, err error) {
	env := map[string]string{}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	spec, addr := env[contract.EnvStatic], env["NOMAD_ADDR_"+contract.StaticPortLabel]
	if spec == "" || addr == "" {
		return "", 0, nil, nil
	}
	p, err := strconv.ParseUint(env["NOMAD_PORT_"+contract.StaticPortLabel], 10, 16)
	if _, ap, _ := net.SplitHostPort(addr); err != nil || p == 0 || ap != strconv.FormatUint(p, 10) {
		return "", 0, nil, fmt.Errorf("static port: NOMAD_ADDR_%s %q does not match NOMAD_PORT_%[1]s", contract.StaticPortLabel, addr)
	}
	for pair := range strings.SplitSeq(spec, ",") {
		prefix, dir, ok := strings.Cut(pair, "=")
		if !ok || !validStaticPrefix(prefix) || !validStaticDir(dir) {
			return "", 0, nil, fmt.Errorf("%s: %q is not a url=dir pair of a prefix and a relative dir inside the app", contract.EnvStatic, pair)
		}
		dirs = append(dirs, staticDir{prefix, dir})
	}
	// The longest prefix first: "/static/img/" wins over "/static/".
	slices.SortFunc(dirs, func(a, b staticDir) int { return len(b.prefix) - len(a.prefix) })
	return addr, uint16(p), dirs, nil
}

func validStaticPrefix(p string) bool {
	return staticPrefixRE.MatchString(p) && !strings.Contains(p, "/./") && !strings.Contains(p, "/../")
}

func validStaticDir(d string) bool {
	return staticDirRE.MatchString(d) && path.Clean(d) == d && !path.IsAbs(d) &&
		d != ".." && !strings.HasPrefix(d, "../")
}

// staticHandler answers GET and HEAD under dirs from allocDir/app/<dir>:
// each lookup opens the allocation dir, the static dir inside the app,
// and the file inside that (staticfile.Open), so a link that leaves the
// static dir, a ".." or a dotfile gets 404, as does a directory.
func staticHandler(allocDir string, dirs []staticDir) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !staticfile.ReadOnly(r.Method) {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "static files are read-only", http.StatusMethodNotAllowed)
			return
		}
		for _, d := range dirs {
			if !strings.HasPrefix(r.URL.Path, d.prefix) {
				continue
			}
			if rel, ok := staticfile.Rel(r.URL.Path, d.prefix); ok {
				if f, err := staticfile.Open(allocDir, path.Join(AppDirName, d.dir), rel); err == nil {
					defer f.Close()
					if staticfile.Serve(w, r, f) {
						return
					}
				}
			}
			break
		}
		http.NotFound(w, r)
	})
}

// startStatic serves dirs on addr until the process ends (the supervisor
// exits with the site). The router is its client; the timeouts bound
// what anyone else on the node who connects can hold.
func startStatic(addr, allocDir string, dirs []staticDir) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           staticHandler(allocDir, dirs),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10, // what the router forwards
		// The log files are written by one goroutine each; the server's
		// complaints (a client hanging up) are not worth a lock there.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go func() { _ = srv.Serve(ln) }()
	return nil
}
