package siteops

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/deploy"
	"github.com/hostctl/hostctl/jobs"
)

// movable is a cluster running site "shop" with two web instances and a
// cron, its media in /srv/a.
func movable(t *testing.T) *cluster {
	t.Helper()
	site := specOf(t, "shop")[0]
	site.Web.Instances = 2
	site.Media = &jobs.Media{Root: "/srv/a", Dir: "/srv/a/sites/shop"}
	c := newCluster()
	c.current, c.crons = jobs.Render(site, 2_000_000), jobs.RenderCrons(site, 2_000_000)
	c.media["shop"] = "/srv/a"
	return c
}

func TestMove(t *testing.T) {
	before := []string{"SleepStatus shop", "Current shop", "Root shop"}
	sends := []string{"Replicate shop /srv/a /srv/b", "Replicate shop /srv/a /srv/b"}
	// back is what a failure after the stop adds: the site is started
	// again as it was registered, and the copy deleted.
	back := []string{"Deploy shop", "Drop shop /srv/b"}
	join := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		fail string // fails once
		want []string
		// root is where the media is recorded afterwards; pinned, where
		// the last deployed job runs.
		root, pinned string
	}{
		{
			name: "copy while serving, stop, last copy, re-pin, start, then delete the source",
			want: join(before, sends, []string{"Stop shop", "Replicate shop /srv/a /srv/b", "Promote shop /srv/a /srv/b",
				"Record shop /srv/b", "SyncCrons shop 1", "Deploy shop", "Drop shop /srv/a"}),
			root: "/srv/b", pinned: "/srv/b",
		},
		{
			name: "a failed first copy changes nothing", fail: "Replicate shop /srv/a /srv/b",
			want: join(before, sends[:1]), root: "/srv/a",
		},
		{
			name: "a failed stop starts the site again", fail: "Stop shop",
			want: join(before, sends, []string{"Stop shop"}, back), root: "/srv/a", pinned: "/srv/a",
		},
		{
			name: "a failed promote starts the site again where it was", fail: "Promote shop /srv/a /srv/b",
			want: join(before, sends, []string{"Stop shop", "Replicate shop /srv/a /srv/b", "Promote shop /srv/a /srv/b"}, back),
			root: "/srv/a", pinned: "/srv/a",
		},
		{
			name: "a failed record starts the site again where it was", fail: "Record shop /srv/b",
			want: join(before, sends, []string{"Stop shop", "Replicate shop /srv/a /srv/b", "Promote shop /srv/a /srv/b",
				"Record shop /srv/b", "Record shop /srv/a"}, back),
			root: "/srv/a", pinned: "/srv/a",
		},
		{
			name: "a deploy that fails on the target goes back to the source", fail: "Deploy shop",
			want: join(before, sends, []string{"Stop shop", "Replicate shop /srv/a /srv/b", "Promote shop /srv/a /srv/b",
				"Record shop /srv/b", "SyncCrons shop 1", "Deploy shop", "Record shop /srv/a", "SyncCrons shop 1"}, back),
			root: "/srv/a", pinned: "/srv/a",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := movable(t)
			if tc.fail != "" {
				c.failOnce[tc.fail] = errBoom
			}
			var out bytes.Buffer
			moved, err := c.service(&out).Move(context.Background(), "shop", "/srv/b")
			if got := c.log(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("calls:\n got %q\nwant %q", got, tc.want)
			}
			if c.media["shop"] != tc.root {
				t.Errorf("media recorded in %q, want %q", c.media["shop"], tc.root)
			}
			if tc.pinned != "" {
				last := c.deploys[len(c.deploys)-1]
				if got := deploy.PinnedMedia(last); got != tc.pinned {
					t.Errorf("last deploy pinned to %q, want %q", got, tc.pinned)
				}
				if *last.TaskGroups[0].Count != 2 {
					t.Errorf("last deploy runs %d web instances, want the 2 it had", *last.TaskGroups[0].Count)
				}
			}
			if tc.fail != "" {
				if !errors.Is(err, errBoom) || moved != nil {
					t.Fatalf("Move = %v, %v; want the failure", moved, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(moved.Sends) != 3 || moved.Sends[0].Parent != "" || moved.Sends[2].Parent != moved.Sends[1].Snapshot {
				t.Errorf("sends = %+v; want full, then two incremental", moved.Sends)
			}
			if moved.From != "/srv/a" || moved.To != "/srv/b" || moved.Downtime <= 0 {
				t.Errorf("moved = %+v", moved)
			}
			if !strings.Contains(out.String(), "healthy on the node with store /srv/b") {
				t.Errorf("output:\n%s", out.String())
			}
		})
	}
}

func TestMoveRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, site, target string
		setup              func(c *cluster)
		want               string
		code               int
	}{
		{name: "a bad site name", site: "../etc", target: "/srv/b", want: "site name", code: int(contract.Invalid)},
		{name: "a bad target", site: "shop", target: "/srv/b,/media/=/etc", want: "media root", code: int(contract.Invalid)},
		{name: "a relative target", site: "shop", target: "srv/b", want: "media root", code: int(contract.Invalid)},
		{name: "the node it is on", site: "shop", target: "/srv/a", want: "already on", code: int(contract.Invalid)},
		{name: "a site without media", site: "shop", target: "/srv/b", want: "no media store", code: int(contract.Invalid),
			setup: func(c *cluster) { c.current = jobs.Render(specOf(t, "shop")[0], 2_000_000) }},
		{name: "a sleeping site", site: "shop", target: "/srv/b", want: "asleep", code: int(contract.Invalid),
			setup: func(c *cluster) { c.asleep["shop"] = true }},
		{name: "a site applied before roots were recorded", site: "shop", target: "/srv/a", want: "already on",
			setup: func(c *cluster) { delete(c.media, "shop") }},
		{name: "a record that disagrees with the job", site: "shop", target: "/srv/b", want: "apply its spec first",
			setup: func(c *cluster) { c.media["shop"] = "/srv/c" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := movable(t)
			if tc.setup != nil {
				tc.setup(c)
			}
			_, err := c.service(&bytes.Buffer{}).Move(context.Background(), tc.site, tc.target)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Move = %v; want an error saying %q", err, tc.want)
			}
			if tc.code != 0 && contract.ExitCode(err) != tc.code {
				t.Errorf("exit code = %d; want %d", contract.ExitCode(err), tc.code)
			}
			for _, call := range c.log() {
				if strings.HasPrefix(call, "Replicate") || strings.HasPrefix(call, "Stop") {
					t.Errorf("a refused move called %s", call)
				}
			}
		})
	}
}
