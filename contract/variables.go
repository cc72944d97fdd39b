package contract

import "strings"

// Where hostctl keeps a site's state in Nomad Variables, which every
// operator's CLI and every node already trust.

// SecretsPath is the Nomad Variables path holding a site's secret values.
// It is the path Nomad's workload identity lets the site's own job read.
func SecretsPath(site string) string { return "nomad/jobs/" + site }

// AccountPath names a site's uid; UIDPath(uid) names the site holding a
// uid. Both are written create-only so no uid is ever handed out twice.
func AccountPath(site string) string { return "hostctl/sites/" + site + "/account" }

// UIDPrefix is the prefix of every UIDPath.
const UIDPrefix = "hostctl/uids/"

// UIDPath is the Variable reserving uid for one site.
func UIDPath(uid string) string { return UIDPrefix + uid }

// What the provisioner gives a site reaches its processes as these
// variables. The database's are secret: the provisioner keeps them in the
// site's Variables (SecretsPath) under the platform's own keys
// (DatabaseKeys), and a template puts them in the environment. The media
// store's are plain paths.
const (
	EnvMediaRoot = "MEDIA_ROOT"
	EnvMediaURL  = "MEDIA_URL"
	// MediaURL is where the router serves a site's media store from disk.
	MediaURL = "/media/"
	// EnvDBLogin names the site's current database login in its tasks.
	EnvDBLogin = "HOSTCTL_DB_LOGIN"
)

// DatabaseKeys maps each database variable a site sees to the key holding
// its value in the site's Variables. The keys carry the platform's
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
// beside them in the same Variable.
func IsPlatformKey(key string) bool { return strings.HasPrefix(key, "HOSTCTL_") }

// EnvPrefix carries a site's own environment through the launcher. Nomad
// starts the launcher as root with the task's environment, so a variable a
// site named LD_PRELOAD (or GCONV_PATH, GODEBUG...) would be read by the
// dynamic loader or the Go runtime of a root process before any of hostctl's
// code ran. The job renderer therefore passes every site variable as
// EnvPrefix+NAME — names no loader or runtime reads — and the launcher
// gives them their real names only in the command it starts after dropping
// to the site's uid.
const EnvPrefix = "HOSTCTL_ENV_"
