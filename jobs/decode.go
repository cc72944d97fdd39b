package jobs

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"

	"github.com/hostctl/hostctl/contract"
)

// The HCL shapes as written by users. Optional scalars are pointers so that
// "left out" (take the default) differs from "set to zero" (an error).
type siteBlock struct {
	Domains      []string           `hcl:"domains"`
	Redirects    []string           `hcl:"redirects,optional"`
	HTTPSOnly    *bool              `hcl:"https_only,optional"`
	SleepAfter   *string            `hcl:"sleep_after,optional"`
	App          *string            `hcl:"app,optional"`
	Source       *sourceBlock       `hcl:"source,block"`
	Python       *string            `hcl:"python,optional"`
	Requirements *string            `hcl:"requirements,optional"`
	WSGI         string             `hcl:"wsgi"`
	Secrets      []string           `hcl:"secrets,optional"`
	Release      [][]string         `hcl:"release,optional"`
	NodeClass    *string            `hcl:"node_class,optional"`
	Env          *envBlock          `hcl:"env,block"`
	Processes    []*processBlock    `hcl:"process,block"`
	Crons        []*cronBlock       `hcl:"cron,block"`
	Health       *healthBlock       `hcl:"health,block"`
	Static       []*staticBlock     `hcl:"static,block"`
	Constraints  []*constraintBlock `hcl:"constraint,block"`
	Database     *databaseBlock     `hcl:"database,block"`
	Media        *mediaBlock        `hcl:"media,block"`
	Body         hcl.Body           `hcl:",body"`
}

type envBlock struct {
	Vars hcl.Body `hcl:",remain"`
}

type staticBlock struct {
	URL  string   `hcl:"url"`
	Dir  string   `hcl:"dir"`
	Body hcl.Body `hcl:",body"`
}

type constraintBlock struct {
	Attribute string   `hcl:"attribute"`
	Operator  *string  `hcl:"operator,optional"`
	Value     *string  `hcl:"value,optional"`
	Body      hcl.Body `hcl:",body"`
}

type databaseBlock struct {
	ConnectionLimit *int     `hcl:"connection_limit,optional"`
	Body            hcl.Body `hcl:",body"`
}

type mediaBlock struct {
	Quota string   `hcl:"quota"`
	Body  hcl.Body `hcl:",body"`
}

type healthBlock struct {
	Path     *string  `hcl:"path,optional"`
	Interval *string  `hcl:"interval,optional"`
	Timeout  *string  `hcl:"timeout,optional"`
	Body     hcl.Body `hcl:",body"`
}

func decodeSite(ctx *hcl.EvalContext, blk *hcl.Block, o Options) (Site, hcl.Diagnostics) {
	s := Site{Name: blk.Labels[0], SpecFile: blk.DefRange.Filename}
	var diags hcl.Diagnostics
	if err := contract.CheckSiteName(s.Name); err != nil {
		diags = append(diags, errAt("Invalid site name", err, blk.LabelRanges[0]))
	}
	var sb siteBlock
	diags = append(diags, gohcl.DecodeBody(blk.Body, ctx, &sb)...)
	if diags.HasErrors() {
		return s, diags
	}
	lim := o.Limits
	def := blk.DefRange
	s.WSGI = sb.WSGI
	diags = append(diags, decodeDomains(sb, def, lim, &s)...)
	if err := CheckWSGI(sb.WSGI); err != nil {
		diags = append(diags, errAt("Invalid wsgi", err, attrRange(sb.Body, "wsgi", def)))
	}
	diags = append(diags, decodeCode(sb, def, o, &s)...)
	diags = append(diags, decodeRelease(sb, def, lim, &s)...)
	diags = append(diags, decodeEnv(ctx, sb, def, lim, &s)...)
	diags = append(diags, decodeProcesses(sb, lim, &s)...)
	diags = append(diags, decodeCrons(sb, lim, &s)...)
	s.Health = Health{Path: DefaultHealthPath, Interval: DefaultHealthInterval, Timeout: DefaultHealthTimeout}
	if sb.Health != nil {
		diags = append(diags, decodeHealth(sb.Health, &s.Health)...)
	}
	diags = append(diags, decodeResources(sb, lim, &s)...)
	diags = append(diags, decodeStatic(sb, lim, &s)...)
	diags = append(diags, decodePlacement(sb, lim, &s)...)
	diags = append(diags, decodeSleep(sb, lim, &s)...)
	diags = append(diags, checkProvisionedNames(sb, def, &s)...)
	return s, diags
}

var constraintAttrRE = regexp.MustCompile(`^(node|attr|meta)\.[A-Za-z0-9_.\-]+$`)

var constraintOperators = map[string]bool{
	"=": true, "!=": true, ">": true, ">=": true, "<": true, "<=": true, "regexp": true, "version": true,
	"semver": true, "set_contains": true, "set_contains_any": true, "is_set": true, "is_not_set": true,
}

// maxConstraintValue keeps a placement value to what a node attribute can
// be; Nomad evaluates it for every node on every placement.
const maxConstraintValue = 256

func decodePlacement(sb siteBlock, lim Limits, s *Site) hcl.Diagnostics {
	var diags hcl.Diagnostics
	def := sb.Body.MissingItemRange()
	if sb.NodeClass != nil {
		if err := checkConstraintValue(*sb.NodeClass); err != nil {
			diags = append(diags, errAt("Invalid node_class", err, attrRange(sb.Body, "node_class", def)))
		}
		s.Constraints = append(s.Constraints, Constraint{Attribute: "${node.class}", Operator: "=", Value: *sb.NodeClass})
	}
	headers := blocksOf(sb.Body, "constraint")
	if n := len(s.Constraints) + len(sb.Constraints); n > lim.MaxConstraints {
		r := attrRange(sb.Body, "node_class", def)
		if i := lim.MaxConstraints - len(s.Constraints); i >= 0 {
			r = headers[i].DefRange
		}
		diags = append(diags, overCount("constraints (node_class included)", n, lim.MaxConstraints, "constraints", r))
	}
	for i, c := range sb.Constraints {
		if !constraintAttrRE.MatchString(c.Attribute) || len(c.Attribute) > maxConstraintValue {
			diags = append(diags, errAt("Invalid constraint attribute", fmt.Errorf("attribute %q must name a node property such as \"node.class\", \"attr.kernel.name\" or \"meta.rack\" (without ${})", c.Attribute), attrRange(c.Body, "attribute", headers[i].DefRange)))
		}
		op := "="
		if c.Operator != nil {
			op = *c.Operator
		}
		if !constraintOperators[op] {
			diags = append(diags, errAt("Invalid constraint operator", fmt.Errorf("operator %q is not one of Nomad's", op), attrRange(c.Body, "operator", headers[i].DefRange)))
		}
		val := ""
		if c.Value != nil {
			val = *c.Value
			if err := checkConstraintValue(val); err != nil {
				diags = append(diags, errAt("Invalid constraint value", err, attrRange(c.Body, "value", headers[i].DefRange)))
			}
		}
		// Written bare because HCL would interpolate ${...} itself; Nomad
		// wants it wrapped.
		s.Constraints = append(s.Constraints, Constraint{Attribute: "${" + c.Attribute + "}", Operator: op, Value: val})
	}
	return diags
}

func checkConstraintValue(v string) error {
	if len(v) > maxConstraintValue {
		return fmt.Errorf("a constraint value is at most %d bytes; this one is %d", maxConstraintValue, len(v))
	}
	if i := controlChar(v); i >= 0 {
		return fmt.Errorf("%q has a control character at byte %d", v, i)
	}
	return nil
}

func decodeResources(sb siteBlock, lim Limits, s *Site) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if db := sb.Database; db != nil {
		s.Database = &Database{}
		if db.ConnectionLimit != nil {
			s.Database.ConnectionLimit = *db.ConnectionLimit
			diags = append(diags, checkCapped(db.Body, "connection_limit", *db.ConnectionLimit, 1, lim.MaxDBConnections, "db_connections", db.Body.MissingItemRange())...)
		}
	}
	if m := sb.Media; m != nil {
		r := attrRange(m.Body, "quota", m.Body.MissingItemRange())
		q, err := parseSize(m.Quota)
		if err == nil && q < 1<<20 {
			err = fmt.Errorf("media quota %s is below 1MiB", m.Quota)
		}
		if err != nil {
			diags = append(diags, errAt("Invalid media quota", err, r))
		} else if q > lim.MaxMediaQuota {
			diags = append(diags, overLimit("media quota", m.Quota, "media_quota", showBytes(lim.MaxMediaQuota), r))
		}
		s.Media = &Media{QuotaBytes: q}
	}
	return diags
}

// maxHealthPath keeps the check's path to what fits a request line.
const maxHealthPath = 1024

func decodeHealth(hb *healthBlock, h *Health) hcl.Diagnostics {
	var diags hcl.Diagnostics
	def := hb.Body.MissingItemRange()
	if hb.Path != nil {
		h.Path = *hb.Path
		if err := checkHealthPath(h.Path); err != nil {
			diags = append(diags, errAt("Invalid health path", err, attrRange(hb.Body, "path", def)))
		}
	}
	if hb.Interval != nil {
		diags = append(diags, parseDuration(hb.Body, "interval", *hb.Interval, "1s", "5m", &h.Interval, def)...)
	}
	if hb.Timeout != nil {
		diags = append(diags, parseDuration(hb.Body, "timeout", *hb.Timeout, "1s", "5m", &h.Timeout, def)...)
	}
	return diags
}

// checkHealthPath keeps the path to a URL path: Consul writes it into the
// request line, so a CR or LF would add headers ("/\r\nX: y").
func checkHealthPath(p string) error {
	switch {
	case !strings.HasPrefix(p, "/"):
		return fmt.Errorf("health path %q must start with '/'", p)
	case len(p) > maxHealthPath:
		return fmt.Errorf("health path is %d bytes; the limit is %d", len(p), maxHealthPath)
	}
	for i := 0; i < len(p); i++ {
		if p[i] <= ' ' || p[i] == 0x7f {
			return fmt.Errorf("health path %q has a space or control character at byte %d; it must be a URL path", p, i)
		}
	}
	if i := controlChar(p); i >= 0 {
		return fmt.Errorf("health path %q has a control character at byte %d; it must be a URL path", p, i)
	}
	return nil
}

func checkRange(body hcl.Body, name string, v, lo, hi int, def hcl.Range) hcl.Diagnostics {
	if v >= lo && v <= hi {
		return nil
	}
	return hcl.Diagnostics{errAt("Invalid "+name, fmt.Errorf("%s = %d must be between %d and %d", name, v, lo, hi), attrRange(body, name, def))}
}

// checkCapped is checkRange for a value whose upper bound is one of the
// operator's limits.
func checkCapped(body hcl.Body, name string, v, lo, hi int, limitName string, def hcl.Range) hcl.Diagnostics {
	switch {
	case v < lo:
		return hcl.Diagnostics{errAt("Invalid "+name, fmt.Errorf("%s = %d must be at least %d", name, v, lo), attrRange(body, name, def))}
	case v > hi:
		return hcl.Diagnostics{overLimit(name, fmt.Sprintf("= %d", v), limitName, fmt.Sprint(hi), attrRange(body, name, def))}
	}
	return nil
}
