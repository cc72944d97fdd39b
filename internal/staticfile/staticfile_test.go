package staticfile

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestRel(t *testing.T) {
	for _, c := range []struct {
		path, prefix, want string
		ok                 bool
	}{
		{"/static/app.css", "/static/", "app.css", true},
		{"/static/css/app.css", "/static/", "css/app.css", true},
		{"/static/", "/static/", "", false},
		{"/static/css/", "/static/", "", false},
		{"/other/app.css", "/static/", "", false},
		{"/static/../settings.py", "/static/", "", false},
		{"/static/css/../../x", "/static/", "", false},
		{"/static/./app.css", "/static/", "", false},
		{"/static//etc/passwd", "/static/", "", false},
		{"/static/.env", "/static/", "", false},
		{"/static/.git/config", "/static/", "", false},
		{"/static/a\\..\\b", "/static/", "", false},
		{"/static/a\x00b", "/static/", "", false},
		{"/static/a\nb", "/static/", "", false},
		{"/static/" + strings.Repeat("a", MaxPath), "/static/", "", false},
		{"/static/café.css", "/static/", "café.css", true},
	} {
		t.Run(c.path[:min(len(c.path), 40)], func(t *testing.T) {
			got, ok := Rel(c.path, c.prefix)
			if got != c.want || ok != c.ok {
				t.Errorf("Rel(%q, %q) = %q, %v; want %q, %v", c.path, c.prefix, got, ok, c.want, c.ok)
			}
		})
	}
}

// TestOpenStaysInBase plants the links a hostile site would: out of the
// served dir to a neighbour's file, absolute to a system file, and climbing
// out of everything. Each is refused; a link within the dir is followed.
func TestOpenStaysInBase(t *testing.T) {
	top := t.TempDir()
	base := filepath.Join(top, "app", "static")
	if err := os.MkdirAll(filepath.Join(base, "css"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(base, "css", "app.css"), "body{}")
	write(filepath.Join(top, "app", "settings.py"), "SECRET")
	outside := filepath.Join(t.TempDir(), "neighbour.txt")
	write(outside, "NEIGHBOUR")
	for link, target := range map[string]string{
		"inside":   "css/app.css",
		"up":       "../settings.py",
		"absolute": outside,
		"climb":    "../../../../../../../../etc/passwd",
	} {
		if err := os.Symlink(target, filepath.Join(base, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(base, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		rel  string
		want string // "" = refused
	}{
		{"css/app.css", "body{}"},
		{"inside", "body{}"},
		{"up", ""},
		{"absolute", ""},
		{"climb", ""},
		{"../settings.py", ""},
	} {
		t.Run(c.rel, func(t *testing.T) {
			f, err := Open(top, "app/static", c.rel)
			if c.want == "" {
				if err == nil {
					f.Close()
					t.Errorf("Open(%q) followed it", c.rel)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open(%q): %v", c.rel, err)
			}
			defer f.Close()
			b := make([]byte, 64)
			n, _ := f.Read(b)
			if string(b[:n]) != c.want {
				t.Errorf("read %q, want %q", b[:n], c.want)
			}
		})
	}
	t.Run("a FIFO opens without blocking and is not served", func(t *testing.T) {
		f, err := Open(top, "app/static", "fifo")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rec := httptest.NewRecorder()
		if Serve(rec, httptest.NewRequest("GET", "/static/fifo", nil), f) {
			t.Error("served a FIFO")
		}
	})
}

func TestServeTypes(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ name, want string }{
		{"app.css", "text/css; charset=utf-8"},
		{"logo.png", "image/png"},
		{"page", "application/octet-stream"},
		{"x.unknownext", "application/octet-stream"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, c.name)
			if err := os.WriteFile(p, []byte("<html><script>alert(1)</script>"), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "/"+c.name, nil)
			req.Header.Set("Range", "bytes=0-5")
			if !Serve(rec, req, f) {
				t.Fatal("not served")
			}
			h := rec.Result().Header
			if h.Get("Content-Type") != c.want || h.Get("X-Content-Type-Options") != "nosniff" || rec.Code != http.StatusPartialContent || rec.Body.String() != "<html>" {
				t.Errorf("%d %q type %q nosniff %q", rec.Code, rec.Body.String(), h.Get("Content-Type"), h.Get("X-Content-Type-Options"))
			}
		})
	}
}
