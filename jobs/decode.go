package jobs

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/zclconf/go-cty/cty"
)

// The HCL shapes as written by users. Optional scalars are pointers so that
// "left out" (take the default) differs from "set to zero" (an error).
type siteBlock struct {
	Domains      []string           `hcl:"domains"`
	Redirects    []string           `hcl:"redirects,optional"`
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

func decodeSite(ctx *hcl.EvalContext, blk *hcl.Block) (Site, hcl.Diagnostics) {
	s := Site{Name: blk.Labels[0], SpecFile: blk.DefRange.Filename}
	var diags hcl.Diagnostics
	if err := CheckSiteName(s.Name); err != nil {
		diags = append(diags, errAt("Invalid site name", err, blk.LabelRanges[0]))
	}
	var sb siteBlock
	diags = append(diags, gohcl.DecodeBody(blk.Body, ctx, &sb)...)
	if diags.HasErrors() {
		return s, diags
	}
	def := blk.DefRange
	s.WSGI, s.Release = sb.WSGI, sb.Release
	diags = append(diags, decodeDomains(sb, def, &s)...)
	if err := CheckWSGI(sb.WSGI); err != nil {
		diags = append(diags, errAt("Invalid wsgi", err, attrRange(sb.Body, "wsgi", def)))
	}
	diags = append(diags, decodeCode(sb, filepath.Dir(def.Filename), def, &s)...)
	for i, argv := range sb.Release {
		if len(argv) == 0 || argv[0] == "" {
			diags = append(diags, errAt("Invalid release command", fmt.Errorf("release command %d is empty", i+1), itemRange(sb.Body, "release", i, def)))
		}
	}
	diags = append(diags, decodeEnv(ctx, sb, def, &s)...)
	diags = append(diags, decodeProcesses(sb, &s)...)
	diags = append(diags, decodeCrons(sb, &s)...)
	s.Health = Health{Path: DefaultHealthPath, Interval: DefaultHealthInterval, Timeout: DefaultHealthTimeout}
	if sb.Health != nil {
		diags = append(diags, decodeHealth(sb.Health, &s.Health)...)
	}
	diags = append(diags, decodeStatic(sb, &s)...)
	diags = append(diags, decodePlacement(sb, &s)...)
	diags = append(diags, decodeResources(sb, &s)...)
	diags = append(diags, checkProvisionedNames(sb, def, &s)...)
	return s, diags
}

func decodeDomains(sb siteBlock, def hcl.Range, s *Site) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if len(sb.Domains) == 0 {
		diags = append(diags, errAt("Missing domains", fmt.Errorf("site %q needs at least one domain to be routed", s.Name), attrRange(sb.Body, "domains", def)))
	}
	seen := map[string]bool{}
	for i, d := range sb.Domains {
		if err := CheckDomain(d); err != nil {
			diags = append(diags, errAt("Invalid domain", err, itemRange(sb.Body, "domains", i, def)))
		} else if seen[d] {
			diags = append(diags, errAt("Duplicate domain", fmt.Errorf("domain %q is listed twice", d), itemRange(sb.Body, "domains", i, def)))
		}
		seen[d] = true
	}
	s.Domains = sb.Domains
	for i, d := range sb.Redirects {
		r := itemRange(sb.Body, "redirects", i, def)
		if err := CheckDomain(d); err != nil {
			diags = append(diags, errAt("Invalid redirect", err, r))
		} else if strings.HasPrefix(d, "*.") {
			diags = append(diags, errAt("Invalid redirect", fmt.Errorf("redirect %q: wildcards cannot redirect to one name", d), r))
		} else if seen[d] {
			diags = append(diags, errAt("Duplicate domain", fmt.Errorf("%q is listed twice among domains and redirects", d), r))
		}
		seen[d] = true
	}
	s.Redirects = sb.Redirects
	return diags
}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// CheckSecretName reports why name cannot be a secret: secrets become
// environment variables, so the same rules apply.
func CheckSecretName(name string) error { return checkEnvName(name) }

// checkEnvName keeps sites off the variables the platform itself sets.
func checkEnvName(name string) error {
	if !envNameRE.MatchString(name) {
		return fmt.Errorf("%q is not a valid environment variable name", name)
	}
	for _, p := range []string{"NOMAD_", "HOSTCTL_", "CONSUL_"} {
		if strings.HasPrefix(strings.ToUpper(name), p) {
			return fmt.Errorf("%q: names starting with %s are set by the platform", name, p)
		}
	}
	return nil
}

func decodeEnv(ctx *hcl.EvalContext, sb siteBlock, def hcl.Range, s *Site) hcl.Diagnostics {
	var diags hcl.Diagnostics
	s.Env = map[string]string{}
	if sb.Env != nil {
		attrs, d := sb.Env.Vars.JustAttributes()
		diags = append(diags, d...)
		for name, a := range attrs {
			if err := checkEnvName(name); err != nil {
				diags = append(diags, errAt("Invalid env name", err, a.NameRange))
				continue
			}
			v, d := a.Expr.Value(ctx)
			diags = append(diags, d...)
			if d.HasErrors() {
				continue
			}
			str, err := ctyString(v)
			if err != nil {
				diags = append(diags, errAt("Invalid env value", fmt.Errorf("env %s: %w", name, err), a.Expr.Range()))
				continue
			}
			s.Env[name] = str
		}
	}
	for i, name := range sb.Secrets {
		r := itemRange(sb.Body, "secrets", i, def)
		if err := checkEnvName(name); err != nil {
			diags = append(diags, errAt("Invalid secret name", err, r))
		} else if _, clash := s.Env[name]; clash {
			diags = append(diags, errAt("Secret shadows env", fmt.Errorf("%s is both in env and in secrets", name), r))
		}
	}
	s.Secrets = sb.Secrets
	return diags
}

// ctyString renders a primitive value the way it would be typed in a shell.
func ctyString(v cty.Value) (string, error) {
	if v.IsNull() || !v.IsKnown() {
		return "", fmt.Errorf("value is null or unknown")
	}
	switch v.Type() {
	case cty.String:
		return v.AsString(), nil
	case cty.Number:
		return v.AsBigFloat().Text('f', -1), nil
	case cty.Bool:
		return fmt.Sprint(v.True()), nil
	}
	return "", fmt.Errorf("a %s cannot be an environment variable; use a string", v.Type().FriendlyName())
}

func decodeStatic(sb siteBlock, s *Site) hcl.Diagnostics {
	var diags hcl.Diagnostics
	headers := blocksOf(sb.Body, "static")
	for i, st := range sb.Static {
		def := headers[i].DefRange
		if !strings.HasPrefix(st.URL, "/") || !strings.HasSuffix(st.URL, "/") || strings.Contains(st.URL, "..") {
			diags = append(diags, errAt("Invalid static url", fmt.Errorf("static url %q must start and end with '/'", st.URL), attrRange(st.Body, "url", def)))
		}
		dir := st.Dir
		if !filepath.IsAbs(dir) && s.Source != nil {
			// Fetched code lives in each allocation, where the router
			// cannot know to look; it serves only fixed paths.
			diags = append(diags, errAt("Invalid static dir", fmt.Errorf("static dir %q: with a git or archive source the dir must be an absolute path on the node", st.Dir), attrRange(st.Body, "dir", def)))
		} else if !filepath.IsAbs(dir) {
			dir = filepath.Join(s.AppDir, dir)
		}
		s.Static = append(s.Static, Static{URL: st.URL, Dir: filepath.Clean(dir)})
	}
	return diags
}

var constraintAttrRE = regexp.MustCompile(`^(node|attr|meta)\.[A-Za-z0-9_.\-]+$`)

var constraintOperators = map[string]bool{
	"=": true, "!=": true, ">": true, ">=": true, "<": true, "<=": true, "regexp": true, "version": true,
	"semver": true, "set_contains": true, "set_contains_any": true, "is_set": true, "is_not_set": true,
}

func decodePlacement(sb siteBlock, s *Site) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if sb.NodeClass != nil {
		s.Constraints = append(s.Constraints, Constraint{Attribute: "${node.class}", Operator: "=", Value: *sb.NodeClass})
	}
	headers := blocksOf(sb.Body, "constraint")
	for i, c := range sb.Constraints {
		if !constraintAttrRE.MatchString(c.Attribute) {
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
		}
		// Written bare because HCL would interpolate ${...} itself; Nomad
		// wants it wrapped.
		s.Constraints = append(s.Constraints, Constraint{Attribute: "${" + c.Attribute + "}", Operator: op, Value: val})
	}
	return diags
}

func decodeResources(sb siteBlock, s *Site) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if db := sb.Database; db != nil {
		s.Database = &Database{}
		if db.ConnectionLimit != nil {
			s.Database.ConnectionLimit = *db.ConnectionLimit
			diags = append(diags, checkRange(db.Body, "connection_limit", *db.ConnectionLimit, 1, 1000, db.Body.MissingItemRange())...)
		}
	}
	if m := sb.Media; m != nil {
		q, err := parseSize(m.Quota)
		if err == nil && q < 1<<20 {
			err = fmt.Errorf("media quota %s is below 1MiB", m.Quota)
		}
		if err != nil {
			diags = append(diags, errAt("Invalid media quota", err, attrRange(m.Body, "quota", m.Body.MissingItemRange())))
		}
		s.Media = &Media{QuotaBytes: q}
	}
	return diags
}

func decodeHealth(hb *healthBlock, h *Health) hcl.Diagnostics {
	var diags hcl.Diagnostics
	def := hb.Body.MissingItemRange()
	if hb.Path != nil {
		h.Path = *hb.Path
		if !strings.HasPrefix(h.Path, "/") {
			diags = append(diags, errAt("Invalid health path", fmt.Errorf("health path %q must start with '/'", h.Path), attrRange(hb.Body, "path", def)))
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

func checkRange(body hcl.Body, name string, v, lo, hi int, def hcl.Range) hcl.Diagnostics {
	if v >= lo && v <= hi {
		return nil
	}
	return hcl.Diagnostics{errAt("Invalid "+name, fmt.Errorf("%s = %d must be between %d and %d", name, v, lo, hi), attrRange(body, name, def))}
}
