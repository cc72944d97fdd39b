// Package jobs turns a site spec written in HCL into a validated Site and
// renders that Site into a Nomad job. It never talks to the network: the
// caller decides when and where the job is registered.
package jobs

import "time"

// Site is one hosted WSGI application after parsing and validation. Every
// field is resolved: paths are absolute and defaults are filled in, so the
// renderer and the CLI never re-derive them.
type Site struct {
	Name    string
	Domains []string
	// AppDir is the absolute directory gunicorn changes into before
	// importing WSGI; relative paths in the spec are taken from the spec
	// file's own directory, so a spec means the same wherever it is applied.
	AppDir string
	// WSGI is the "module:callable" gunicorn imports.
	WSGI   string
	Web    Web
	Health Health
	// Release commands run, in order and in the app directory, before
	// gunicorn starts in each new instance; one failing fails the deploy.
	// Each is an argv list: no shell ever parses them.
	Release [][]string
	// SpecFile is where the site was declared, for messages.
	SpecFile string
}

// Web is the gunicorn process that serves HTTP.
type Web struct {
	Instances int
	Workers   int
	MemoryMB  int
	CPU       int
}

// Health is the HTTP check Consul runs against every instance; the router
// only sends traffic to instances whose check passes.
type Health struct {
	Path     string
	Interval time.Duration
	Timeout  time.Duration
}

// Defaults for fields a spec may leave out. They are sized for small sites:
// the point of the platform is that an idle site costs almost nothing.
const (
	DefaultInstances      = 1
	DefaultWorkers        = 2
	DefaultMemoryMB       = 128
	DefaultCPU            = 100
	DefaultHealthPath     = "/"
	DefaultHealthInterval = 2 * time.Second
	DefaultHealthTimeout  = 2 * time.Second
)
