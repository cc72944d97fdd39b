package jobs

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// What the provisioner gives a site reaches its processes as these
// variables. The database's are secret: the provisioner keeps them in the
// site's Nomad Variables (jobs.SecretsPath) under the platform's own keys
// (DatabaseKeys), and a template puts them in the environment. The media
// store's are plain paths.
const (
	EnvMediaRoot = "MEDIA_ROOT"
	EnvMediaURL  = "MEDIA_URL"
	// MediaURL is where the router serves a site's media store from disk.
	MediaURL = "/media/"
	// EnvDBLogin names the site's current database login in its tasks.
	EnvDBLogin = "HOSTCTL_DB_LOGIN"
	// MediaRootMeta is the Nomad client meta key naming the node's media
	// store; a site with media runs only where its subvolume is.
	MediaRootMeta = "hostctl_media_root"
)

// DatabaseKeys maps each database variable a site sees to the key holding
// its value in the site's Nomad Variables. The keys carry the platform's
// HOSTCTL_ prefix, which sites may not use for secrets of their own.
var DatabaseKeys = map[string]string{
	"DATABASE_URL": "HOSTCTL_DATABASE_URL",
	"PGHOST":       "HOSTCTL_PGHOST",
	"PGPORT":       "HOSTCTL_PGPORT",
	"PGUSER":       "HOSTCTL_PGUSER",
	"PGPASSWORD":   "HOSTCTL_PGPASSWORD",
	"PGDATABASE":   "HOSTCTL_PGDATABASE",
}

// IsPlatformKey tells the site's own secrets from what the platform keeps
// beside them in the same Nomad Variable.
func IsPlatformKey(key string) bool { return strings.HasPrefix(key, "HOSTCTL_") }

// checkProvisionedNames refuses env and secrets that would shadow what the
// provisioner sets: whichever won, one of them would silently be wrong.
func checkProvisionedNames(sb siteBlock, def hcl.Range, s *Site) hcl.Diagnostics {
	taken := map[string]string{}
	if s.Database != nil {
		for name := range DatabaseKeys {
			taken[name] = "database"
		}
	}
	if s.Media != nil {
		taken[EnvMediaRoot], taken[EnvMediaURL] = "media", "media"
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
	names := make([]string, 0, len(DatabaseKeys))
	for name := range DatabaseKeys {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		b.WriteString(name + `={{ index . "` + DatabaseKeys[name] + `" | toJSON }}` + "\n")
	}
}
