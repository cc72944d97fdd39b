package sleep

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	consul "github.com/hashicorp/consul/api"
	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
)

// Client puts sites to sleep and wakes them, through the cluster's Nomad
// and Consul.
type Client struct {
	Nomad  *nomad.Client
	Consul *consul.Client
}

// State is what `site status` and the router know of a site's sleep.
type State struct {
	Site   string    `json:"site"`
	Asleep bool      `json:"asleep"`
	Since  time.Time `json:"since,omitzero"`
	// Counts are what a wake scales each group back to.
	Counts     map[string]int `json:"counts,omitempty"`
	SleepAfter time.Duration  `json:"sleep_after"`
	WakeError  string         `json:"wake_error,omitempty"`
	// WakeErrorAt is when WakeError happened.
	WakeErrorAt time.Time `json:"wake_error_at,omitzero"`
}

// ErrNotAsleep is returned (wrapped) by Wake for a site without a marker.
var ErrNotAsleep = errors.New("not asleep")

// MarkerID is the Consul service ID of site's sleep marker.
func MarkerID(site string) string { return site + "-asleep" }

// SleepAfter reads a job's or service's MetaSleepAfter: 0 (never sleep)
// when absent or not a positive number of seconds.
func SleepAfter(meta map[string]string) time.Duration {
	n, err := strconv.ParseInt(meta[contract.MetaSleepAfter], 10, 64)
	if err != nil || n <= 0 || n > int64(365*24*time.Hour/time.Second) {
		return 0
	}
	return time.Duration(n) * time.Second
}

// job reads site's job; a job that is not hostctl's site of that name is
// refused, so a hand-made job that happens to share the name is never
// scaled.
func (c Client) job(ctx context.Context, site string) (*nomad.Job, error) {
	if err := contract.CheckSiteName(site); err != nil {
		return nil, err
	}
	job, _, err := c.Nomad.Jobs().Info(site, (&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil {
		if isNotFound(err) {
			return nil, contract.Errorf(contract.NotFound, "site %q is not deployed", site)
		}
		return nil, err
	}
	if job.Meta[contract.MetaSite] != site {
		return nil, contract.Errorf(contract.NotFound, "job %q is not a hostctl site", site)
	}
	return job, nil
}

// webService is the service of job's web group that the router routes by.
func webService(job *nomad.Job) (*nomad.Service, error) {
	for _, tg := range job.TaskGroups {
		if tg.Name == nil || *tg.Name != webGroup {
			continue
		}
		for _, s := range tg.Services {
			if s.Name == *job.ID {
				return s, nil
			}
		}
	}
	return nil, fmt.Errorf("job %q has no %s service named after it to stand in for", *job.ID, webGroup)
}

func isNotFound(err error) bool {
	if err == nil {
		return false
	}
	var e nomad.UnexpectedResponseError
	if errors.As(err, &e) {
		return e.StatusCode() == 404
	}
	return strings.Contains(err.Error(), "404")
}

// isIndexConflict reports Nomad refusing a check-and-set write because the
// job changed since it was read.
func isIndexConflict(err error) bool {
	// Nomad's RegisterEnforceIndexErrPrefix; the API returns it as text.
	return err != nil && strings.Contains(err.Error(), "Enforcing job modify index")
}
