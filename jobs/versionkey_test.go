package jobs

import (
	"slices"
	"testing"
	"time"
)

// TestVersionKey: what only scales a site or changes when it sleeps keeps
// the key (a wake reuses the virtualenv and the release's output);
// anything they could depend on changes it (both are made again).
func TestVersionKey(t *testing.T) {
	base := func() Site {
		return Site{
			Name: "shop", Domains: []string{"shop.test"}, AppDir: "/srv/sources/shop", CodeRoot: "/srv/sources",
			WSGI: "app:application", Python: "/usr/bin/python3", Release: [][]string{{"python3", "manage.py", "migrate"}},
			Env: map[string]string{"MODE": "prod"}, Web: Web{Instances: 1, Workers: 2},
			Processes: []Process{{Name: "worker", Command: []string{"python3", "w.py"}, Instances: 1}},
		}
	}
	want := VersionKey(base(), 2000001)
	for _, c := range []struct {
		name string
		edit func(*Site)
		uid  int
		same bool
	}{
		{"unchanged", func(*Site) {}, 2000001, true},
		{"web instances", func(s *Site) { s.Web.Instances = 5 }, 2000001, true},
		{"asleep", func(s *Site) { s.Web.Instances, s.Processes[0].Instances = 0, 0 }, 2000001, true},
		{"sleep_after", func(s *Site) { s.SleepAfter = time.Hour }, 2000001, true},
		{"release commands", func(s *Site) { s.Release = append(s.Release, []string{"python3", "manage.py", "collectstatic"}) }, 2000001, false},
		{"environment", func(s *Site) { s.Env["MODE"] = "debug" }, 2000001, false},
		{"interpreter", func(s *Site) { s.Python = "/usr/bin/python3.12" }, 2000001, false},
		{"code path", func(s *Site) { s.AppDir = "/srv/sources/shop/v2" }, 2000001, false},
		{"fetched source", func(s *Site) { s.Source = &Source{Git: "https://example.test/shop.git", Ref: "v2"} }, 2000001, false},
		{"database", func(s *Site) { s.Database = &Database{} }, 2000001, false},
		{"another uid", func(*Site) {}, 2000002, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := base()
			c.edit(&s)
			got := VersionKey(s, c.uid)
			if (got == want) != c.same {
				t.Errorf("key %s, base %s: same = %v, want %v", got, want, got == want, c.same)
			}
		})
	}
	s := base()
	job := Render(s, 2000001)
	for _, task := range job.TaskGroups[0].Tasks {
		args := task.Config["args"].([]string)
		if i := slices.Index(args, "--version-key"); i < 0 || args[i+1] != want {
			t.Errorf("task %s: args %v lack --version-key %s", task.Name, args, want)
		}
		if release := slices.Contains(args, "--release"); release != (task.Name == "release") {
			t.Errorf("task %s: --release %v", task.Name, release)
		}
	}
	if s.Web.Instances != 1 || s.Processes[0].Instances != 1 {
		t.Error("ReleaseKey changed the caller's site")
	}
}
