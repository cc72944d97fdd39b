// Package jobs turns site specs written in HCL into validated Sites and
// renders a Site into Nomad jobs. It never talks to the network: the
// caller decides when and where jobs are registered.
package jobs

import "time"

// Site is one hosted WSGI application after parsing and validation. Every
// field is resolved: paths are absolute and defaults are filled in, so the
// renderer and the CLI never re-derive them.
type Site struct {
	Name    string
	Domains []string
	// Redirects are further hosts that answer with a permanent redirect to
	// the first domain (the old name of a site, the bare apex).
	Redirects []string
	// HTTPSOnly makes the router answer plain-HTTP requests for the site's
	// hosts with a permanent redirect to the same URL over HTTPS (when the
	// router serves HTTPS at all).
	HTTPSOnly bool
	// SleepAfter is how long the site may go without traffic before it
	// sleeps (scaled to zero, woken by its next request); 0: always on.
	SleepAfter time.Duration
	// AppDir is the absolute directory holding the site's code when it
	// comes from the operator's source tree: CodeRoot/<site>/<app>, where
	// the spec's app (or source path) is relative and cannot climb out.
	// It is empty when Source fetches the code instead.
	AppDir string
	// CodeRoot is the source tree AppDir is in (Options.SourceRoot, made
	// absolute), so that the launcher can check the code is inside it;
	// empty when Source fetches the code.
	CodeRoot string
	// Source is where the code comes from when it is not a local path: a
	// git repository at a ref, or an archive, fetched by Nomad for each
	// instance.
	Source *Source
	// Python is the interpreter every process of the site runs on; the
	// launcher puts it first on PATH (as python and python3) through a
	// virtualenv that also sees the node's system packages.
	Python string
	// Requirements is the pip requirements file, relative to the code,
	// installed into that virtualenv when each instance starts.
	// RequirementsRequired says the spec named it, so a missing file is an
	// error rather than "nothing to install".
	Requirements         string
	RequirementsRequired bool
	// WSGI is the "module:callable" gunicorn imports.
	WSGI string
	// Env is set in every process of the site. Secrets are names only: the
	// values live in Nomad Variables and reach the processes through a
	// template, never through the job.
	Env     map[string]string
	Secrets []string
	// Release commands run, in order and in the app directory, before
	// gunicorn starts in each new instance; one failing fails the deploy.
	// Each is an argv list: no shell ever parses them.
	Release     [][]string
	Web         Web
	Processes   []Process
	Crons       []Cron
	Health      Health
	Static      []Static
	Constraints []Constraint
	// Database and Media are nil when the site asks for none; the
	// provisioner fills them in.
	Database *Database
	Media    *Media
	// SpecFile is where the site was declared, for messages.
	SpecFile string
}

// Source is code fetched by Nomad's artifact downloader (go-getter).
// Exactly one of Git and Archive is set.
type Source struct {
	Git string // clone URL
	Ref string // tag, branch or commit to check out
	// Archive is an http(s) URL of a .tar.gz, .tgz, .tar.xz, .tar.bz2 or .zip.
	Archive string
	// Checksum is "sha256:<hex>" (or another algorithm go-getter knows);
	// the download is refused if it does not match.
	Checksum string
	// Dir is the app's directory inside the repository or archive.
	Dir string
}

// Resources are what Nomad reserves for each instance of a process.
// MemoryMaxMB above MemoryMB lets an instance burst into memory the node
// has spare (Nomad's memory oversubscription); 0 means no burst.
type Resources struct {
	CPU         int // MHz
	MemoryMB    int
	MemoryMaxMB int
}

// Web is the gunicorn process that serves HTTP.
type Web struct {
	Instances   int
	Workers     int
	Threads     int
	Timeout     time.Duration
	MaxRequests int
	Resources
}

// Process is any other long-running process of the site (a queue worker,
// say): a command, a count, resources.
type Process struct {
	Name      string
	Command   []string
	Instances int
	Resources
}

// Cron is a command run on a schedule, as a Nomad periodic job. A run
// that is still going when the next is due is skipped, not doubled.
type Cron struct {
	Name     string
	Schedule string // five-field cron expression
	TimeZone string // IANA name; "" means UTC
	Command  []string
	Resources
}

// Health is the HTTP check Consul runs against every web instance; the
// router only sends traffic to instances whose check passes.
type Health struct {
	Path     string
	Interval time.Duration
	Timeout  time.Duration
}

// Static maps a URL prefix to a directory of the app that each web
// instance serves from its copy of the app (see contract.StaticPortLabel).
type Static struct {
	URL string // "/" + segments of [A-Za-z0-9._~-] + "/"
	Dir string // relative to the app, clean, slash-separated, no ".."
}

// Constraint is a Nomad placement constraint.
type Constraint struct {
	Attribute, Operator, Value string
}

// Database asks the provisioner for a Postgres role and database.
type Database struct {
	ConnectionLimit int
	// Login is the role the site's processes connect as now, filled in by
	// the provisioner. It is in every task's environment so that moving to
	// the other login (`hostctl db rotate`) is a new job version, rolled
	// out like any deploy: new instances start with the new credentials
	// while old ones keep theirs until replaced.
	Login string
}

// Media asks the provisioner for a btrfs subvolume with a quota.
type Media struct {
	QuotaBytes int64
	// Root and Dir are filled in by the provisioner before rendering: the
	// node's media store and the site's subvolume in it.
	Root, Dir string
}

// Defaults for fields a spec may leave out. They are sized for small sites:
// the point of the platform is that an idle site costs almost nothing.
const (
	DefaultInstances = 1
	DefaultWorkers   = 2
	DefaultThreads   = 1
	DefaultTimeout   = 30 * time.Second
	DefaultMemoryMB  = 128
	// DefaultCPU is a scheduling reservation (MHz), not a cap: Nomad gives
	// raw_exec tasks CPU shares in proportion, and idle sites use almost
	// none. At 100 MHz a 2-core node held only ~40 sites before the
	// scheduler called its CPU exhausted (docs/benchmarks.md).
	DefaultCPU = 20
	// DefaultPython is Debian's interpreter, where gunicorn, Django and
	// Flask are installed as system packages.
	DefaultPython         = "/usr/bin/python3"
	DefaultRequirements   = "requirements.txt"
	DefaultHealthPath     = "/"
	DefaultHealthInterval = 2 * time.Second
	DefaultHealthTimeout  = 2 * time.Second
)
