package jobs

import (
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// maxEnvName keeps a name to what anyone would type.
const maxEnvName = 256

// Environment variables a site may not set, with why. Sites run through
// the hostctl launcher, which is Go and starts as root, under glibc's
// loader; what those read from the environment before the site's code
// runs is not the site's to choose. Names are compared in upper case:
// Linux names are case-sensitive, but refusing ld_preload too costs
// nothing and reads clearly.
var (
	loaderVars = map[string]bool{
		"GCONV_PATH": true, "GETCONF_DIR": true, "HOSTALIASES": true, "LOCALDOMAIN": true, "LOCPATH": true,
		"NIS_PATH": true, "NLSPATH": true, "RESOLV_HOST_CONF": true, "RES_OPTIONS": true, "TZDIR": true,
		"GLIBC_TUNABLES": true,
	}
	runtimeVars  = map[string]bool{"GODEBUG": true, "GOTRACEBACK": true, "GOGC": true, "GOMAXPROCS": true, "GOMEMLIMIT": true}
	launcherVars = map[string]bool{"PATH": true, "HOME": true, "TMPDIR": true, "VIRTUAL_ENV": true, "PYTHONHOME": true}
)

// CheckSecretName reports why name cannot be a secret: secrets become
// environment variables, so the same rules apply.
func CheckSecretName(name string) error { return checkEnvName(name) }

// checkEnvName keeps sites off the variables the platform itself sets and
// off those that change how the loader or the launcher behaves.
func checkEnvName(name string) error {
	if len(name) > maxEnvName || !envNameRE.MatchString(name) {
		return fmt.Errorf("%q is not a valid environment variable name", name)
	}
	up := strings.ToUpper(name)
	switch {
	case strings.HasPrefix(up, "LD_") || strings.HasPrefix(up, "MALLOC_") || loaderVars[up]:
		return fmt.Errorf("%s is read by the dynamic loader or the C library; sites may not set loader or runtime variables", name)
	case runtimeVars[up]:
		return fmt.Errorf("%s is read by the Go runtime of the launcher; sites may not set loader or runtime variables", name)
	case launcherVars[up]:
		return fmt.Errorf("%s is set by the launcher (the site's virtualenv and task directories)", name)
	}
	for _, p := range []string{"NOMAD_", "HOSTCTL_", "CONSUL_"} {
		if strings.HasPrefix(up, p) {
			return fmt.Errorf("%q: names starting with %s are set by the platform", name, p)
		}
	}
	return nil
}

func decodeEnv(ctx *hcl.EvalContext, sb siteBlock, def hcl.Range, lim Limits, s *Site) hcl.Diagnostics {
	var diags hcl.Diagnostics
	s.Env = map[string]string{}
	if sb.Env != nil {
		attrs, d := sb.Env.Vars.JustAttributes()
		diags = append(diags, d...)
		// In source order, so that the first problem reported is the
		// first one written.
		list := make([]*hcl.Attribute, 0, len(attrs))
		for _, a := range attrs {
			list = append(list, a)
		}
		sort.Slice(list, func(i, j int) bool { return list[i].Range.Start.Byte < list[j].Range.Start.Byte })
		if len(list) > lim.MaxEnvVars {
			return append(diags, overCount("env variables", len(list), lim.MaxEnvVars, "env_vars", list[lim.MaxEnvVars].NameRange))
		}
		total := 0
		for _, a := range list {
			name := a.Name
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
			if err == nil {
				err = checkEnvValue(str, lim)
			}
			if err != nil {
				diags = append(diags, errAt("Invalid env value", fmt.Errorf("env %s: %w", name, err), a.Expr.Range()))
				continue
			}
			if total += len(name) + len(str); total > lim.MaxEnvBytes {
				diags = append(diags, errAt("Limit exceeded", fmt.Errorf("env names and values add up to %d bytes at %s; this cluster's limit is %s (limits: env_bytes)",
					total, name, showBytes(int64(lim.MaxEnvBytes))), a.Expr.Range()))
				break
			}
			s.Env[name] = str
		}
	}
	if len(sb.Secrets) > lim.MaxSecrets {
		return append(diags, overCount("secrets", len(sb.Secrets), lim.MaxSecrets, "secrets", itemRange(sb.Body, "secrets", lim.MaxSecrets, def)))
	}
	seen := map[string]bool{}
	for i, name := range sb.Secrets {
		r := itemRange(sb.Body, "secrets", i, def)
		if err := checkEnvName(name); err != nil {
			diags = append(diags, errAt("Invalid secret name", err, r))
		} else if _, clash := s.Env[name]; clash {
			diags = append(diags, errAt("Secret shadows env", fmt.Errorf("%s is both in env and in secrets", name), r))
		} else if seen[name] {
			diags = append(diags, errAt("Duplicate secret", fmt.Errorf("%s is listed twice", name), r))
		}
		seen[name] = true
	}
	s.Secrets = sb.Secrets
	return diags
}

// checkEnvValue refuses what an environment cannot carry (NUL ends a C
// string: the value would silently be cut) and values over the cap.
func checkEnvValue(v string, lim Limits) error {
	if i := strings.IndexByte(v, 0); i >= 0 {
		return fmt.Errorf("the value has a NUL byte at %d, which an environment variable cannot hold", i)
	}
	if len(v) > lim.MaxEnvValueBytes {
		return fmt.Errorf("the value is %d bytes; this cluster's limit is %s (limits: env_value_bytes)", len(v), showBytes(int64(lim.MaxEnvValueBytes)))
	}
	return nil
}

// Numbers are written into the environment as decimals: bound them so
// that a number is a number, not 100 MB of digits.
var (
	maxEnvNumber = cty.MustParseNumberVal("1e64").AsBigFloat()
	minEnvNumber = cty.MustParseNumberVal("1e-16").AsBigFloat()
)

const maxEnvNumberText = 80

// ctyString renders a primitive value the way it would be typed in a shell.
func ctyString(v cty.Value) (string, error) {
	switch {
	case !v.IsKnown():
		return "", fmt.Errorf("the value could not be computed (see the errors above)")
	case v.IsNull():
		return "", fmt.Errorf("the value is null")
	}
	switch v.Type() {
	case cty.String:
		return v.AsString(), nil
	case cty.Number:
		f := v.AsBigFloat()
		abs := new(big.Float).Abs(f)
		if f.IsInf() || abs.Cmp(maxEnvNumber) >= 0 || (f.Sign() != 0 && abs.Cmp(minEnvNumber) < 0) {
			return "", fmt.Errorf("the number must be below 1e64 and above 1e-16 in size; write very large or small values as strings")
		}
		t := f.Text('f', -1)
		if len(t) > maxEnvNumberText {
			return "", fmt.Errorf("the number has %d digits; write it as a string, or as an integer or a short decimal", len(t))
		}
		return t, nil
	case cty.Bool:
		return fmt.Sprint(v.True()), nil
	}
	return "", fmt.Errorf("a %s cannot be an environment variable; use a string", v.Type().FriendlyName())
}
