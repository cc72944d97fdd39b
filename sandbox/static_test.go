package sandbox

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hostctl/hostctl/contract"
)

func TestStaticConfig(t *testing.T) {
	port := func(addr, p string) []string {
		return []string{"NOMAD_ADDR_static=" + addr, "NOMAD_PORT_static=" + p}
	}
	for _, c := range []struct {
		name    string
		env     []string
		addr    string
		dirs    []staticDir
		wantErr bool
	}{
		{"not the web task", port("127.0.0.1:20002", "20002"), "", nil, false},
		{"no static port (site run)", []string{contract.EnvStatic + "=/static/=collected"}, "", nil, false},
		{"served, longest prefix first", append(port("127.0.0.1:20002", "20002"), contract.EnvStatic+"=/static/=collected,/static/img/=img,/a/=."),
			"127.0.0.1:20002", []staticDir{{"/static/img/", "img"}, {"/static/", "collected"}, {"/a/", "."}}, false},
		{"a hidden prefix segment is a name", append(port("127.0.0.1:20002", "20002"), contract.EnvStatic+"=/.well-known/=wk"),
			"127.0.0.1:20002", []staticDir{{"/.well-known/", "wk"}}, false},
		{"port mismatch", append(port("127.0.0.1:20003", "20002"), contract.EnvStatic+"=/static/=collected"), "", nil, true},
		{"dir climbs out", append(port("127.0.0.1:20002", "20002"), contract.EnvStatic+"=/static/=../other"), "", nil, true},
		{"dir climbs out midway", append(port("127.0.0.1:20002", "20002"), contract.EnvStatic+"=/static/=a/../../b"), "", nil, true},
		{"absolute dir", append(port("127.0.0.1:20002", "20002"), contract.EnvStatic+"=/static//etc"), "", nil, true},
		{"absolute dir after =", append(port("127.0.0.1:20002", "20002"), contract.EnvStatic+"=/static/=/etc"), "", nil, true},
		{"every path", append(port("127.0.0.1:20002", "20002"), contract.EnvStatic+"=/=collected"), "", nil, true},
		{"dot-dot prefix", append(port("127.0.0.1:20002", "20002"), contract.EnvStatic+"=/a/../=x"), "", nil, true},
		{"pair without dir", append(port("127.0.0.1:20002", "20002"), contract.EnvStatic+"=/static/"), "", nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			addr, _, dirs, err := staticConfig(c.env)
			if (err != nil) != c.wantErr || addr != c.addr || !slices.Equal(dirs, c.dirs) {
				t.Errorf("staticConfig = %q %v %v; want %q %v error=%v", addr, dirs, err, c.addr, c.dirs, c.wantErr)
			}
		})
	}
}

// TestTaskPortsLeaveTheStaticPortToTheSupervisor: the site's processes may
// bind the web port, not the static server's.
func TestTaskPortsLeaveTheStaticPortToTheSupervisor(t *testing.T) {
	got := taskPorts([]string{"NOMAD_PORT_http=20001", "NOMAD_PORT_static=20002", "NOMAD_PORT_x=bad"})
	if !slices.Equal(got, []uint16{20001}) {
		t.Errorf("taskPorts = %v, want only the web port", got)
	}
}

// staticAlloc lays out an allocation's app copy with static files and the
// links and names a hostile site would put among them; outside is a
// readable file of another site's, which only the guard keeps out.
func staticAlloc(t *testing.T, allocDir, outside string) {
	t.Helper()
	app := filepath.Join(allocDir, AppDirName)
	static := filepath.Join(app, "collected")
	for _, d := range []string{filepath.Join(static, "css"), filepath.Join(static, "img")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for p, s := range map[string]string{
		filepath.Join(static, "css", "app.css"): "body{color:red}",
		filepath.Join(static, ".env"):           "SECRET=1",
		filepath.Join(app, "settings.py"):       "SECRET_KEY = 'x'",
	} {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		"own.css":       "css/app.css",
		"settings.py":   "../settings.py",
		"neighbour.txt": outside,
		"climb.txt":     "../../../../../../../../../.." + outside,
		"shadow":        "/etc/shadow",
	} {
		if err := os.Symlink(target, filepath.Join(static, link)); err != nil {
			t.Fatal(err)
		}
	}
}

// staticCases are the requests every static server test makes: the
// site's files are served, nothing out of its dir, no listing, no dotfile.
var staticCases = []struct {
	name, method, path string
	code               int
	body               string
}{
	{"a file", "GET", "/static/css/app.css", 200, "body{color:red}"},
	{"head", "HEAD", "/static/css/app.css", 200, ""},
	{"a link within the dir", "GET", "/static/own.css", 200, "body{color:red}"},
	{"a link up to the app's settings", "GET", "/static/settings.py", 404, ""},
	{"an absolute link to another site's file", "GET", "/static/neighbour.txt", 404, ""},
	{"a relative link climbing to it", "GET", "/static/climb.txt", 404, ""},
	{"a link to /etc/shadow", "GET", "/static/shadow", 404, ""},
	{"dot-dot", "GET", "/static/../settings.py", 404, ""},
	{"encoded dot-dot", "GET", "/static/%2e%2e/settings.py", 404, ""},
	{"encoded slash and dot-dot", "GET", "/static/css%2f..%2f..%2fsettings.py", 404, ""},
	{"a dotfile", "GET", "/static/.env", 404, ""},
	{"a directory listing", "GET", "/static/css/", 404, ""},
	{"the dir itself", "GET", "/static/", 404, ""},
	{"outside every prefix", "GET", "/settings.py", 404, ""},
	{"a write", "POST", "/static/css/app.css", 405, ""},
	{"a long path", "GET", "/static/" + strings.Repeat("a/", 1100) + "x", 404, ""},
}

func checkStatic(t *testing.T, base string) {
	t.Helper()
	for _, c := range staticCases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, base+c.path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.code || c.body != "" && string(b) != c.body || strings.Contains(string(b), "SECRET") || strings.Contains(string(b), "NEIGHBOUR") {
				t.Errorf("%s %s: %d %q, want %d %q", c.method, c.path, resp.StatusCode, b, c.code, c.body)
			}
		})
	}
}

func TestStaticHandler(t *testing.T) {
	allocDir := filepath.Join(t.TempDir(), "alloc")
	outside := filepath.Join(t.TempDir(), "neighbour.txt")
	if err := os.WriteFile(outside, []byte("NEIGHBOUR"), 0o644); err != nil {
		t.Fatal(err)
	}
	staticAlloc(t, allocDir, outside)
	srv := httptest.NewServer(staticHandler(allocDir, []staticDir{{"/static/", "collected"}}))
	defer srv.Close()
	checkStatic(t, srv.URL)
}
