package jobs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hostctl/hostctl/contract"
)

func TestHTTPSOnlyReachesTheService(t *testing.T) {
	for _, tc := range []struct {
		name, attr, want string
	}{
		{"on", "https_only = true", contract.HTTPSRedirect},
		{"off", "https_only = false", ""},
		{"absent", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			if err := os.Mkdir(filepath.Join(root, "shop"), 0o755); err != nil {
				t.Fatal(err)
			}
			src := `site "shop" {
  domains = ["shop.example.com"]
  app     = "."
  wsgi    = "app:application"
  ` + tc.attr + `
}
`
			sites, err := ParseSource("site.hcl", []byte(src), Options{SourceRoot: root})
			if err != nil {
				t.Fatal(err)
			}
			svc := Render(sites[0], contract.MinUID).TaskGroups[0].Services[0]
			if got, ok := svc.Meta[contract.MetaHTTPS]; got != tc.want || ok != (tc.want != "") {
				t.Fatalf("service meta %s = %q (set: %v), want %q", contract.MetaHTTPS, got, ok, tc.want)
			}
		})
	}
	_, err := ParseSource("site.hcl", []byte(`site "shop" {
  domains    = ["shop.example.com"]
  wsgi       = "app:application"
  https_only = "yes please"
}
`), Options{})
	checkErr(t, err, "https_only")
}
