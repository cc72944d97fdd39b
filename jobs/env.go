package jobs

import (
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/hostctl/hostctl/contract"
)

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
			if err := contract.CheckEnvName(name); err != nil {
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
		if err := contract.CheckEnvName(name); err != nil {
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
