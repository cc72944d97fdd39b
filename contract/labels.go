package contract

// Labels the job renderer writes and the router, the CLI and the dev
// cluster read back to recognise hostctl's own jobs and services among
// everything else registered in Nomad and Consul. Writer and readers import
// them from here so the two sides cannot drift apart.
const (
	// ServiceTag marks a Consul service as a hostctl site.
	ServiceTag = "hostctl"
	// MetaSite names the site a job or service belongs to.
	MetaSite = "hostctl_site"
	// MetaDomains lists a site's domains, comma separated, on its service
	// (and on its job, with its redirects, for the cluster-wide domain check).
	MetaDomains = "hostctl_domains"
	// MetaRedirects lists hosts, comma separated, that redirect to the
	// site's first domain.
	MetaRedirects = "hostctl_redirects"
	// MetaStatic lists "url=dir" pairs, comma separated, that the router may
	// serve from disk.
	MetaStatic = "hostctl_static"
	// MetaHTTPS set to HTTPSRedirect makes the router answer plain-HTTP
	// requests for the site with a redirect to HTTPS.
	MetaHTTPS = "hostctl_https"
	// MetaUID records the site's uid on its job, for operators.
	MetaUID = "hostctl_uid"
	// MetaCronOf marks a periodic job with the site it belongs to; such jobs
	// are the site's crons.
	MetaCronOf = "hostctl_cron_of"
	// MetaRestart on a site's web group changes on every restart, so a
	// restart is a new job version Nomad rolls out like a deploy.
	MetaRestart = "hostctl_restart"
	// LauncherMeta is the Nomad client meta key under which each node
	// advertises its hostctl binary; site tasks run through it, so they are
	// only placed on nodes that have one.
	LauncherMeta = "hostctl_launcher"
	// MediaRootMeta is the Nomad client meta key naming the node's media
	// store; a site with media runs only where its subvolume is.
	MediaRootMeta = "hostctl_media_root"
	// SitesNetwork is the Nomad host network site instances' ports are
	// given on: every client defines it (package agentconfig), so a job
	// need not know which node it lands on.
	SitesNetwork = "sites"
)

// HTTPSRedirect is the MetaHTTPS value that turns HTTPS-only on.
const HTTPSRedirect = "redirect"

// RouterNomadTokenKey is where `hostctl cluster bootstrap` leaves the
// router's Nomad token in Consul KV (only the router's Consul token and
// the management token read it): Nomad makes the token at the bootstrap,
// after the routers have started, so they fetch it rather than being
// handed a file.
const RouterNomadTokenKey = "hostctl/router/nomad-token"
