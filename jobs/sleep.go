package jobs

import (
	"fmt"
	"strconv"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// maxSleepAfterSeconds (30 days) is past any idle time worth waiting for:
// a longer one is a site that should be always on.
const maxSleepAfterSeconds = 30 * 24 * 3600

// decodeSleep sets how long the site may idle before it sleeps: the spec's
// sleep_after ("15m"; "0" keeps it always on), else the cluster's default,
// and never less than the cluster's minimum.
func decodeSleep(sb siteBlock, lim Limits, s *Site) hcl.Diagnostics {
	s.SleepAfter = time.Duration(lim.DefaultSleepAfter) * time.Second
	if sb.SleepAfter == nil {
		return nil
	}
	r := attrRange(sb.Body, "sleep_after", sb.Body.MissingItemRange())
	d, err := time.ParseDuration(*sb.SleepAfter)
	switch {
	case err != nil || d < 0:
		return hcl.Diagnostics{errAt("Invalid sleep_after", fmt.Errorf("%q: want a duration such as \"15m\", or \"0\" for always on", *sb.SleepAfter), r)}
	case d == 0:
		s.SleepAfter = 0
	case d < time.Duration(lim.MinSleepAfter)*time.Second:
		return hcl.Diagnostics{errAt("Limit exceeded", fmt.Errorf("sleep_after %s is shorter than this cluster's minimum, %s (limits: min_sleep_after)", d, time.Duration(lim.MinSleepAfter)*time.Second), r)}
	case d > maxSleepAfterSeconds*time.Second:
		return hcl.Diagnostics{errAt("Invalid sleep_after", fmt.Errorf("sleep_after %s is over 30 days; leave it out (or \"0\") for a site that is always on", d), r)}
	default:
		s.SleepAfter = d.Round(time.Second)
	}
	return nil
}

// sleepAfterMeta is SleepAfter as whole seconds, the form in meta.
func sleepAfterMeta(s Site) string { return strconv.Itoa(int(s.SleepAfter / time.Second)) }
