package jobs

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hostctl/hostctl/contract"
)

func TestSleepAfter(t *testing.T) {
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "shop"), 0o755); err != nil {
		t.Fatal(err)
	}
	short := DefaultLimits()
	short.MinSleepAfter = 1
	byDefault := DefaultLimits()
	byDefault.DefaultSleepAfter = 900
	for _, tc := range []struct {
		name, attr string
		lim        Limits
		want       time.Duration
		meta       string // "" = no meta
		err        string
	}{
		{name: "absent: always on", want: 0},
		{name: "absent: the cluster default", lim: byDefault, want: 15 * time.Minute, meta: "900"},
		{name: "zero overrides the default", attr: `sleep_after = "0"`, lim: byDefault, want: 0},
		{name: "a duration", attr: `sleep_after = "15m"`, want: 15 * time.Minute, meta: "900"},
		{name: "below the cluster minimum", attr: `sleep_after = "30s"`, err: "sleep_after 30s is shorter than this cluster's minimum, 1m0s (limits: min_sleep_after)"},
		{name: "a lower minimum", attr: `sleep_after = "3s"`, lim: short, want: 3 * time.Second, meta: "3"},
		{name: "not a duration", attr: `sleep_after = "soon"`, err: `"soon": want a duration`},
		{name: "negative", attr: `sleep_after = "-5m"`, err: "want a duration"},
		{name: "over 30 days", attr: `sleep_after = "721h"`, err: "over 30 days"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lim := tc.lim
			if lim == (Limits{}) {
				lim = DefaultLimits()
			}
			src := "site \"shop\" {\n  domains = [\"shop.example.com\"]\n  app = \".\"\n  wsgi = \"app:application\"\n  " + tc.attr + "\n}\n"
			sites, err := ParseSource("site.hcl", []byte(src), Options{SourceRoot: root, Limits: lim})
			if tc.err != "" {
				checkErr(t, err, tc.err)
				if err != nil && !IsSpecError(err) {
					t.Errorf("not a spec error: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sites[0].SleepAfter != tc.want {
				t.Errorf("SleepAfter = %s, want %s", sites[0].SleepAfter, tc.want)
			}
			job := Render(sites[0], contract.MinUID)
			svc := job.TaskGroups[0].Services[0]
			if job.Meta[contract.MetaSleepAfter] != tc.meta || svc.Meta[contract.MetaSleepAfter] != tc.meta {
				t.Errorf("meta: job %q service %q, want %q", job.Meta[contract.MetaSleepAfter], svc.Meta[contract.MetaSleepAfter], tc.meta)
			}
		})
	}
}
