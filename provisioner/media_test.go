package provisioner

import (
	"context"
	"path/filepath"
	"testing"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/internal/testkit"
	"github.com/hostctl/hostctl/jobs"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// A site's media stays in the store it was first made in, or moved to,
// whatever the operator's MediaRoot says at a later apply.
func TestEnsureUsesTheRecordedStore(t *testing.T) {
	nc := testkit.NomadServer(t)
	ctx := context.Background()
	first, second := testkit.Btrfs(t).Mountpoint, testkit.Btrfs(t).Mountpoint
	site := func() *jobs.Site { return &jobs.Site{Name: "keeper", Media: &jobs.Media{QuotaBytes: 16 << 20}} }

	s := site()
	if err := (Config{MediaRoot: first}).Ensure(ctx, nc, s, 2_000_100); err != nil {
		t.Fatal(err)
	}
	if s.Media.Root != first || s.Media.Dir != filepath.Join(first, "sites", "keeper") {
		t.Fatalf("first apply made %s in %s; want %s", s.Media.Dir, s.Media.Root, first)
	}
	// Another operator's environment names another store: the files stay.
	s = site()
	if err := (Config{MediaRoot: second}).Ensure(ctx, nc, s, 2_000_100); err != nil {
		t.Fatal(err)
	}
	if s.Media.Root != first {
		t.Fatalf("second apply used %s; want the recorded %s", s.Media.Root, first)
	}
	// `site move` records the new store; plan and apply follow it.
	if err := RecordMediaRoot(ctx, nc, "keeper", second); err != nil {
		t.Fatal(err)
	}
	s = site()
	if err := (Config{MediaRoot: first}).Describe(ctx, nc, s); err != nil || s.Media.Root != second {
		t.Fatalf("Describe = %v, root %s; want %s", err, s.Media.Root, second)
	}
	if store, err := (Config{MediaRoot: first}).Media(ctx, nc, "keeper"); err == nil {
		t.Errorf("Media found %s in %s, where nothing was made yet", "keeper", store.Root)
	}
}

func TestMediaRootRecord(t *testing.T) {
	nc := testkit.NomadServer(t)
	ctx := context.Background()
	c := Config{MediaRoot: "/srv/media/here"}
	if root, recorded, err := c.SiteMediaRoot(ctx, nc, "fresh"); err != nil || recorded || root != c.MediaRoot {
		t.Fatalf("unrecorded site = %q, %v, %v; want the configured root", root, recorded, err)
	}
	if err := firstRecord(ctx, nc, "fresh", "/srv/media/a"); err != nil {
		t.Fatal(err)
	}
	if err := firstRecord(ctx, nc, "fresh", "/srv/media/b"); err != nil {
		t.Fatal(err)
	}
	if root, recorded, err := c.SiteMediaRoot(ctx, nc, "fresh"); err != nil || !recorded || root != "/srv/media/a" {
		t.Fatalf("after two first records = %q, %v, %v; want the first", root, recorded, err)
	}
	for _, bad := range []struct{ site, root string }{
		{"fresh", "relative"}, {"fresh", "/srv/a,/media/=/etc"}, {"fresh", "/srv/../etc"}, {"../x", "/srv/media/b"},
	} {
		if err := RecordMediaRoot(ctx, nc, bad.site, bad.root); err == nil {
			t.Errorf("RecordMediaRoot(%q, %q) succeeded", bad.site, bad.root)
		}
	}
	// Someone with write access to Variables is not trusted either.
	v := &nomad.Variable{Path: contract.MediaPath("forged"), Items: nomad.VariableItems{contract.MediaRootKey: "/etc/../root"}}
	if _, _, err := nc.Variables().Create(v, nil); err != nil {
		t.Fatal(err)
	}
	if root, _, err := c.SiteMediaRoot(ctx, nc, "forged"); err == nil {
		t.Errorf("a forged record was accepted: %q", root)
	}
}
