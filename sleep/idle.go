package sleep

import (
	"time"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
)

// candidate is a site due to sleep.
type candidate struct {
	Site       string
	SleepAfter time.Duration
	Last       time.Time // its last activity
}

// idle reports whether a site last active at last has been idle for
// sleepAfter at now; 0 means it never sleeps.
func idle(now, last time.Time, sleepAfter time.Duration) bool {
	return sleepAfter > 0 && now.Sub(last) >= sleepAfter
}

// lastActive is the later of the routers' last traffic and the job's
// submission (ns since the epoch): a site just deployed, scaled or woken
// has had no chance to be used yet and counts as active then.
func lastActive(seen time.Time, submitTime int64) time.Time {
	if s := time.Unix(0, submitTime); s.After(seen) {
		return s
	}
	return seen
}

// dueToSleep picks, from one listing of the jobs, the sites due to sleep
// at now: hostctl sites with a sleep_after, not asleep already, not found
// off at their current job version (skip: site -> JobModifyIndex), and
// idle for their sleep_after given seen, the routers' latest activity.
// The listing has no counts: whether a site is off is for sleep to find.
func dueToSleep(now time.Time, jobs []*nomad.JobListStub, asleep map[string]State, seen map[string]time.Time, skip map[string]uint64) []candidate {
	var due []candidate
	for _, j := range jobs {
		if j.Meta[contract.MetaSite] != j.ID || j.Stop || j.Type != nomad.JobTypeService {
			continue
		}
		after := SleepAfter(j.Meta)
		if _, ok := asleep[j.ID]; ok || after == 0 || skip[j.ID] == j.JobModifyIndex {
			continue
		}
		if last := lastActive(seen[j.ID], j.SubmitTime); idle(now, last, after) {
			due = append(due, candidate{Site: j.ID, SleepAfter: after, Last: last})
		}
	}
	return due
}
