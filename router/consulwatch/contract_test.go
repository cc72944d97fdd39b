package consulwatch

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	consul "github.com/hashicorp/consul/api"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/jobs"
)

// TestReadsWhatTheRendererWrites holds the two sides of the label contract
// together: a spec rendered by package jobs, registered as Nomad would
// (the web service's name, tags and meta on an instance), reads back as
// the same site — domains, redirects, static dirs and HTTPS-only. A label
// renamed on one side only fails here.
func TestReadsWhatTheRendererWrites(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "shop", "collected"), 0o755); err != nil {
		t.Fatal(err)
	}
	sites, err := jobs.ParseSource("site.hcl", []byte(`site "shop" {
  domains    = ["shop.example.com", "www.shop.example.com"]
  redirects  = ["old-shop.example.com"]
  https_only = true
  app        = "."
  wsgi       = "app:application"
  static {
    url = "/static/"
    dir = "collected"
  }
}
`), jobs.Options{SourceRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	svc := jobs.Render(sites[0], contract.MinUID).TaskGroups[0].Services[0]
	// What Nomad registers: the meta interpolated with the allocation's
	// ports (client/taskenv.InterpolateService).
	meta := maps.Clone(svc.Meta)
	for k, val := range meta {
		meta[k] = strings.ReplaceAll(val, "${NOMAD_HOST_PORT_"+contract.StaticPortLabel+"}", "20002")
	}
	v := newView()
	v.ports = anyPort
	v.setNodes(map[string]bool{"n1": true})
	v.setServices("n1", "127.0.0.1", []*consul.AgentService{{
		ID: "i1", Service: svc.Name, Tags: svc.Tags, Meta: meta, Address: "127.0.0.1", Port: 20001, CreateIndex: 1,
	}})
	v.setHealth(failing{nodes: map[string]bool{}, instances: map[instanceKey]bool{}}, 2)
	got, ready := v.sites()
	if !ready || len(got) != 1 {
		t.Fatalf("sites = %+v (ready %v)", got, ready)
	}
	s := got[0]
	if s.Name != "shop" || !slices.Equal(s.Domains, sites[0].Domains) || !slices.Equal(s.Redirects, sites[0].Redirects) {
		t.Errorf("read back %s %v redirects %v; rendered %s %v redirects %v", s.Name, s.Domains, s.Redirects, sites[0].Name, sites[0].Domains, sites[0].Redirects)
	}
	if !s.HTTPSOnly {
		t.Error("https_only = true did not reach the router")
	}
	if len(s.Static) != 0 || !slices.Equal(s.InstanceStatic, []string{"/static/"}) {
		t.Errorf("static = %+v, instance static = %q", s.Static, s.InstanceStatic)
	}
	if len(s.Backends) != 1 || s.Backends[0].Addr != "127.0.0.1:20001" || s.Backends[0].StaticAddr != "127.0.0.1:20002" {
		t.Errorf("backends = %+v", s.Backends)
	}
	if !slices.Contains(svc.Tags, contract.ServiceTag) {
		t.Errorf("the rendered service lacks the tag the watcher filters on: %v", svc.Tags)
	}
}
