package proxy

import (
	"fmt"
	"net/http"
)

// refusal is the router's own answer to a request it could not forward to
// a sleeping or starting site.
type refusal struct {
	status     int
	retryAfter string // seconds; "" for none
	title, msg string
}

func (r *refusal) write(w http.ResponseWriter) {
	if r.retryAfter != "" {
		w.Header().Set("Retry-After", r.retryAfter)
	}
	page(w, r.status, r.title, r.msg)
}

func noInstance(site string) *refusal {
	return &refusal{503, "5", "Site unavailable", fmt.Sprintf("Site %q has no healthy instance right now.", site)}
}

func cannotWake(site string) *refusal {
	return &refusal{503, "5", "Site asleep", fmt.Sprintf("Site %q is asleep and this router cannot wake sites.", site)}
}

func queueFull(site string) *refusal {
	return &refusal{503, "2", "Site waking", fmt.Sprintf("Too many requests are waiting for site %q to wake; try again shortly.", site)}
}

// wakeFailed says why in general terms only: the detail (a Nomad error)
// goes to the log and to `site status`, not to whoever sent the request.
func wakeFailed(site, why string) *refusal {
	return &refusal{503, "5", "Site failed to wake", fmt.Sprintf("Site %q failed to wake: %s.", site, why)}
}

func notHosted(host string) *refusal {
	return &refusal{404, "", "No site here", fmt.Sprintf("No site is hosted at %q.", host)}
}

var (
	tooManyWakes = &refusal{503, "1", "Too many sites waking", "This router is waking too many sites at once; try again shortly."}
	// errGone: the site was destroyed while it woke (answered as notHosted).
	errGone = &refusal{404, "", "No site here", "The site is gone."}
	// waitAbandoned: the client left while waiting; nobody reads the answer.
	waitAbandoned = &refusal{503, "", "Site waking", "The request was cancelled."}
)
