// Package sleep puts idle sites to sleep and wakes them on their next
// request. A sleeping site keeps its Nomad job, scaled to zero, and in
// place of its instances a marker in the Consul catalog (see
// contract.SleepNode): a service of the site's name with the web
// service's tags and meta, from which routers keep routing its domains and
// learn that a request must wake it. The marker is registered before the
// job is scaled down, so there is never a moment when a router knows
// neither instances nor marker and answers "no such site".
//
// Routers publish when they last saw traffic (PublishActivity); one
// Sleeper per cluster, elected through a Consul lock, compares that with
// each site's sleep_after and puts idle sites to sleep. Waking is the
// router's: Wake scales the job back up, check-and-set so that many
// routers woken by the same burst start it once, and Awake removes the
// marker once an instance answers.
package sleep
