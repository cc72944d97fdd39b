package contract

// A site's static dirs are served by each of its web instances: the
// launcher that supervises gunicorn (package sandbox) serves them from the
// allocation's copy of the app, without Python, on a second port. The job
// renderer, the launcher and the router agree on these names.
const (
	// StaticPortLabel is the web group's Nomad port for the static server.
	StaticPortLabel = "static"
	// EnvStatic tells the web task's launcher what to serve: "url=dir"
	// pairs, comma separated, each dir relative to the app. Sites cannot
	// set HOSTCTL_* variables (CheckEnvName), so only the job sets it.
	EnvStatic = "HOSTCTL_STATIC"
	// MetaStaticPort on a web instance's service is the port of its static
	// server, on the instance's own address.
	MetaStaticPort = "hostctl_static_port"
	// MetaStaticURLs lists the URL prefixes, comma separated, that the
	// router sends to that port instead of to gunicorn.
	MetaStaticURLs = "hostctl_static_urls"
)
