package jobs

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/hostctl/hostctl/contract"
)

// checkProvisionedNames refuses env and secrets that would shadow what the
// provisioner sets: whichever won, one of them would silently be wrong.
func checkProvisionedNames(sb siteBlock, def hcl.Range, s *Site) hcl.Diagnostics {
	taken := map[string]string{}
	if s.Database != nil {
		for name := range contract.DatabaseKeys {
			taken[name] = "database"
		}
	}
	if s.Media != nil {
		taken[contract.EnvMediaRoot], taken[contract.EnvMediaURL] = "media", "media"
	}
	var diags hcl.Diagnostics
	for name := range s.Env {
		if block, ok := taken[name]; ok {
			diags = append(diags, errAt("Env shadows a provisioned variable", fmt.Errorf("%s is set by the %s block", name, block), envRange(sb, name, def)))
		}
	}
	for i, name := range s.Secrets {
		if block, ok := taken[name]; ok {
			diags = append(diags, errAt("Secret shadows a provisioned variable", fmt.Errorf("%s is set by the %s block", name, block), itemRange(sb.Body, "secrets", i, def)))
		}
	}
	return diags
}

func envRange(sb siteBlock, name string, def hcl.Range) hcl.Range {
	if sb.Env != nil {
		if attrs, _ := sb.Env.Vars.JustAttributes(); attrs[name] != nil {
			return attrs[name].NameRange
		}
	}
	return def
}

// databaseTemplateLines renders the database variables from the site's
// Nomad Variables, values JSON-quoted as for secrets.
func databaseTemplateLines(b *strings.Builder) {
	names := make([]string, 0, len(contract.DatabaseKeys))
	for name := range contract.DatabaseKeys {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		b.WriteString(name + `={{ index . "` + contract.DatabaseKeys[name] + `" | toJSON }}` + "\n")
	}
}
