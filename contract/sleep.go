package contract

// Sleeping sites (see package sleep). A site that sleeps keeps its job,
// scaled to zero, and a marker in Consul in place of its instances: a
// service of the site's name on the node SleepNode, carrying the same
// meta as its web service plus MetaAsleep and MetaCounts, with a check that
// says it is asleep. Routers keep routing its domains from the marker and
// wake the site on the first request.
const (
	// MetaSleepAfter, on a site's job and web service, is how long (whole
	// seconds) the site may go without traffic before it sleeps; absent or
	// "0": always on.
	MetaSleepAfter = "hostctl_sleep_after"
	// MetaAsleep, on a sleep marker, is when the site fell asleep (RFC 3339).
	MetaAsleep = "hostctl_asleep"
	// MetaCounts, on a sleep marker, is each group's instance count before
	// the site slept ("web=2,worker=1"): what a wake scales back to.
	MetaCounts = "hostctl_counts"
	// SleepNode is the Consul node sleep markers are registered on: no
	// agent runs there and no instance is ever routed to it.
	SleepNode = "hostctl-sleeping"
	// AsleepCheckName names the marker's check, which shows in the Consul
	// UI why the site has no instances.
	AsleepCheckName = "asleep"
	// ActivityPrefix holds, per site and router, when the router last saw
	// traffic for it: ActivityPrefix + site + "/" + router = unix seconds.
	ActivityPrefix = "hostctl/activity/"
	// SleeperLock is the Consul KV key whose lock holder, one router at a
	// time, puts idle sites to sleep.
	SleeperLock = "hostctl/sleeper/leader"
	// WakeErrorPrefix + site holds why the site's last wake failed, for
	// `site status`; deleted when a wake succeeds.
	WakeErrorPrefix = "hostctl/wake-errors/"
)
