package jobs

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/cronexpr"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
)

type cronBlock struct {
	Name     string   `hcl:"name,label"`
	Schedule string   `hcl:"schedule"`
	TimeZone *string  `hcl:"timezone,optional"`
	Command  []string `hcl:"command"`
	Memory   *string  `hcl:"memory,optional"`
	CPU      *int     `hcl:"cpu,optional"`
	Body     hcl.Body `hcl:",body"`
}

// maxSchedule keeps a schedule or time zone to what one plausibly is.
const maxSchedule = 128

// timeZoneRE is an IANA zone name ("Europe/Paris", "Etc/GMT+1"): Nomad's
// servers load it from their own zoneinfo, so nothing path-like is taken.
var timeZoneRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$`)

func decodeCrons(sb siteBlock, lim Limits, s *Site) hcl.Diagnostics {
	var diags hcl.Diagnostics
	headers := blocksOf(sb.Body, "cron", "name")
	if len(sb.Crons) > lim.MaxCrons {
		return hcl.Diagnostics{overCount("crons", len(sb.Crons), lim.MaxCrons, "crons", headers[lim.MaxCrons].LabelRanges[0])}
	}
	seen := map[string]bool{}
	for i, c := range sb.Crons {
		def := headers[i].DefRange
		if err := contract.CheckProcessName(c.Name); err != nil || seen[c.Name] {
			if err == nil {
				err = fmt.Errorf("cron %q is declared more than once", c.Name)
			}
			diags = append(diags, errAt("Invalid cron name", err, headers[i].LabelRanges[0]))
			continue
		}
		seen[c.Name] = true
		cr := Cron{Name: c.Name, Schedule: c.Schedule, Command: c.Command, Resources: defaultResources(lim)}
		// Nomad takes five fields; cronexpr alone would also take six or
		// seven (seconds, years), which Nomad reads differently.
		schedRange := attrRange(c.Body, "schedule", def)
		if i := controlChar(c.Schedule); i >= 0 || len(c.Schedule) > maxSchedule {
			diags = append(diags, errAt("Invalid cron schedule", fmt.Errorf("schedule %q must be a cron expression of at most %d bytes, without control characters", c.Schedule, maxSchedule), schedRange))
		} else if n := len(strings.Fields(c.Schedule)); n != 5 && !strings.HasPrefix(c.Schedule, "@") {
			diags = append(diags, errAt("Invalid cron schedule", fmt.Errorf("schedule %q has %d fields; use five (minute hour day month weekday)", c.Schedule, n), schedRange))
		} else if _, err := cronexpr.Parse(c.Schedule); err != nil {
			diags = append(diags, errAt("Invalid cron schedule", fmt.Errorf("schedule %q: %w", c.Schedule, err), schedRange))
		}
		if c.TimeZone != nil {
			tzRange := attrRange(c.Body, "timezone", def)
			if len(*c.TimeZone) > maxSchedule || !timeZoneRE.MatchString(*c.TimeZone) {
				diags = append(diags, errAt("Invalid cron timezone", fmt.Errorf("timezone %q must be an IANA name such as \"Europe/Paris\"", *c.TimeZone), tzRange))
			} else if _, err := time.LoadLocation(*c.TimeZone); err != nil {
				diags = append(diags, errAt("Invalid cron timezone", err, tzRange))
			}
			cr.TimeZone = *c.TimeZone
		}
		if len(c.Command) == 0 || c.Command[0] == "" {
			diags = append(diags, errAt("Missing command", fmt.Errorf("cron %q needs command = [\"program\", \"args\"...]", c.Name), attrRange(c.Body, "command", def)))
		} else {
			diags = append(diags, checkArgv(c.Body, "command", nil, c.Command, lim, def)...)
		}
		p := &processBlock{Memory: c.Memory, CPU: c.CPU, Body: c.Body}
		diags = append(diags, decodeProcessResources(p, def, lim, &cr.Resources)...)
		s.Crons = append(s.Crons, cr)
	}
	return diags
}

// CronJobID is the Nomad job that runs one of a site's crons.
func CronJobID(site, cron string) string { return site + "-cron-" + cron }

// RenderCrons builds one periodic batch job per cron of the site, each
// running its command as the site (same uid, env, secrets, placement).
func RenderCrons(s Site, uid int) []*api.Job {
	var out []*api.Job
	for _, c := range s.Crons {
		id := CronJobID(s.Name, c.Name)
		job := api.NewBatchJob(id, id, "", 40)
		job.Meta = map[string]string{contract.MetaCronOf: s.Name, contract.MetaUID: strconv.Itoa(uid)}
		constrain(job, s)
		job.Periodic = &api.PeriodicConfig{
			Enabled:         ptr(true),
			Spec:            ptr(c.Schedule),
			SpecType:        ptr(api.PeriodicSpecCron),
			ProhibitOverlap: ptr(true),
		}
		if c.TimeZone != "" {
			job.Periodic.TimeZone = ptr(c.TimeZone)
		}
		tg := api.NewTaskGroup("cron", 1)
		// A failed run is reported, not retried: the next one is scheduled.
		tg.RestartPolicy = &api.RestartPolicy{Attempts: ptr(0), Mode: ptr("fail")}
		tg.ReschedulePolicy = &api.ReschedulePolicy{Attempts: ptr(0), Unlimited: ptr(false)}
		tg.AddTask(siteTask(s, "cron", uid, c.Command, c.Resources))
		job.AddTaskGroup(tg)
		out = append(out, job)
	}
	return out
}
