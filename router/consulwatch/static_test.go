package consulwatch

import (
	"slices"
	"testing"

	consul "github.com/hashicorp/consul/api"

	"github.com/hostctl/hostctl/contract"
)

// TestInstanceStatic reads each instance's static server port and the
// site's static prefixes from service meta. The meta is the site's (its
// spec, or a registration made with a leaked token), so a port the router
// could not trust as a web port is refused the same way, and a malformed
// prefix list keeps only its valid entries.
func TestInstanceStatic(t *testing.T) {
	ports := PortRange{Min: 20000, Max: 32000}
	cases := []struct {
		name       string
		port, urls string
		wantAddr   string
		wantURLs   []string
	}{
		{"advertised", "20002", "/static/,/assets/", "127.0.0.1:20002", []string{"/static/", "/assets/"}},
		{"none", "", "", "", nil},
		{"uninterpolated (a job read as is)", "${NOMAD_HOST_PORT_static}", "/static/", "", []string{"/static/"}},
		{"below the dynamic range (Nomad's API)", "4646", "/static/", "", []string{"/static/"}},
		{"above the dynamic range", "32001", "/static/", "", []string{"/static/"}},
		{"the web port itself", "20001", "/static/", "", []string{"/static/"}},
		{"signed", "+20002", "/static/", "", []string{"/static/"}},
		{"leading zero", "020002", "/static/", "", []string{"/static/"}},
		{"another host smuggled in", "10.0.0.9:20002", "/static/", "", []string{"/static/"}},
		{"every path", "20002", "/", "127.0.0.1:20002", nil},
		{"malformed prefixes dropped", "20002", "static/,/a/../b/,/ok/,/x=y/, /sp/", "127.0.0.1:20002", []string{"/ok/"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newView()
			v.ports = ports
			v.setNodes(map[string]bool{"n1": true})
			meta := map[string]string{contract.MetaDomains: "hello.test", contract.MetaStaticPort: c.port, contract.MetaStaticURLs: c.urls}
			v.setServices("n1", "127.0.0.1", []*consul.AgentService{svc("a", 20001, 1, meta)})
			v.setHealth(failing{nodes: map[string]bool{}, instances: map[instanceKey]bool{}}, 2)
			sites, ready := v.sites()
			if !ready || len(sites) != 1 || len(sites[0].Backends) != 1 {
				t.Fatalf("sites = %+v", sites)
			}
			if got := sites[0].Backends[0].StaticAddr; got != c.wantAddr {
				t.Errorf("static addr = %q, want %q", got, c.wantAddr)
			}
			if got := sites[0].InstanceStatic; !slices.Equal(got, c.wantURLs) {
				t.Errorf("instance static = %q, want %q", got, c.wantURLs)
			}
		})
	}
}
