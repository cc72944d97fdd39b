package siteops

import "io"

// Service runs the use cases against one cluster.
type Service struct {
	Jobs        Jobs
	Accounts    Accounts
	Secrets     Secrets
	Provisioner Provisioner
	// Router may be nil: nothing then waits for the router.
	Router Router
	// Sleeps may be nil: every site is then treated as awake.
	Sleeps Sleeps
	// Media may be nil: no site can then be moved.
	Media Media
	// Out receives the progress a person follows.
	Out io.Writer
}
