package routes

import "testing"

func TestConfineStatic(t *testing.T) {
	roots := []string{"/srv/code", "/srv/media"}
	cases := []struct {
		name, site, prefix, dir string
		base, sub               string // empty: refused
	}{
		{"source tree", "hello", "/static/", "/srv/code/hello/static", "hello", "static"},
		{"site dir itself", "hello", "/static/", "/srv/code/hello", "hello", "."},
		{"media subvolume", "hello", "/media/", "/srv/media/sites/hello", "sites/hello", "."},
		{"below the subvolume", "hello", "/media/", "/srv/media/sites/hello/up", "sites/hello", "up"},
		{"etc", "hello", "/static/", "/etc", "", ""},
		{"root itself", "hello", "/static/", "/srv/code", "", ""},
		{"another site's code", "hello", "/static/", "/srv/code/other/static", "", ""},
		{"a name extending the site's", "hello", "/static/", "/srv/code/hellox", "", ""},
		{"walking up", "hello", "/static/", "/srv/code/hello/../other", "", ""},
		{"another site's media", "hello", "/media/", "/srv/media/sites/other", "", ""},
		{"the whole media store", "hello", "/media/", "/srv/media/sites", "", ""},
		{"a site named sites and the store", "sites", "/media/", "/srv/media/sites/victim", "", ""},
		{"a site named sites, its own media", "sites", "/media/", "/srv/media/sites/sites", "sites/sites", "."},
		{"relative dir", "hello", "/static/", "srv/code/hello", "", ""},
		{"unclean dir", "hello", "/static/", "/srv/code/hello/static/", "", ""},
		{"comma in dir", "hello", "/static/", "/srv/code/hello/a,/x/", "", ""},
		{"equals in dir", "hello", "/static/", "/srv/code/hello/a=b", "", ""},
		{"control char in dir", "hello", "/static/", "/srv/code/hello/a\nb", "", ""},
		{"prefix without leading slash", "hello", "static/", "/srv/code/hello", "", ""},
		{"prefix without trailing slash", "hello", "/static", "/srv/code/hello", "", ""},
		{"prefix with dots", "hello", "/../", "/srv/code/hello", "", ""},
		{"prefix with equals", "hello", "/a=/", "/srv/code/hello", "", ""},
		{"site name with a slash", "hello/..", "/static/", "/srv/code/hello", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kept, dropped := ConfineStatic(c.site, []Static{{Prefix: c.prefix, Dir: c.dir}}, roots)
			if c.base == "" {
				if len(kept) != 0 || len(dropped) != 1 {
					t.Fatalf("kept %+v, dropped %v; want it refused", kept, dropped)
				}
				return
			}
			if len(kept) != 1 || len(dropped) != 0 {
				t.Fatalf("kept %+v, dropped %v; want it kept", kept, dropped)
			}
			if k := kept[0]; k.Base != c.base || k.Sub != c.sub || k.Root == "" || k.Dir != c.dir || k.Prefix != c.prefix {
				t.Errorf("kept %+v, want base %q sub %q", k, c.base, c.sub)
			}
		})
	}
	t.Run("no roots", func(t *testing.T) {
		if kept, _ := ConfineStatic("hello", []Static{{Prefix: "/static/", Dir: "/srv/code/hello"}}, nil); len(kept) != 0 {
			t.Errorf("served without a static root: %+v", kept)
		}
	})
}

func TestCheckStaticRoots(t *testing.T) {
	cases := []struct {
		roots []string
		ok    bool
	}{
		{[]string{"/srv/code", "/srv/media"}, true},
		{[]string{"/srv/code", "/srv/code/media"}, false},
		{[]string{"/srv/code/media", "/srv/code"}, false},
		{[]string{"/srv", "/srv"}, false},
		{[]string{"srv"}, false},
		{[]string{"/srv/"}, false},
		{[]string{"/", "/srv"}, false},
		{[]string{"/"}, false}, // a site named "etc" would own /etc
		{nil, true},
	}
	for _, c := range cases {
		if err := CheckStaticRoots(c.roots); (err == nil) != c.ok {
			t.Errorf("CheckStaticRoots(%q) = %v, want ok %v", c.roots, err, c.ok)
		}
	}
}
