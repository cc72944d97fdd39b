package jobs

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

func decodeRelease(sb siteBlock, def hcl.Range, lim Limits, s *Site) hcl.Diagnostics {
	var diags hcl.Diagnostics
	s.Release = sb.Release
	if len(sb.Release) > lim.MaxReleaseCommands {
		return hcl.Diagnostics{overCount("release commands", len(sb.Release), lim.MaxReleaseCommands, "release_commands", itemRange(sb.Body, "release", lim.MaxReleaseCommands, def))}
	}
	for i, argv := range sb.Release {
		if len(argv) == 0 || argv[0] == "" {
			diags = append(diags, errAt("Invalid release command", fmt.Errorf("release command %d is empty", i+1), itemRange(sb.Body, "release", i, def)))
			continue
		}
		diags = append(diags, checkArgv(sb.Body, "release", []int{i}, argv, lim, def)...)
	}
	return diags
}

// checkArgv bounds one command and refuses what exec cannot carry: a NUL
// ends a C string, so the argument would silently be cut short. Other
// control characters pass: a newline in `python -c` is legitimate. at
// locates the command inside the attribute (release's commands are a list
// of lists).
func checkArgv(body hcl.Body, attr string, at []int, argv []string, lim Limits, def hcl.Range) hcl.Diagnostics {
	item := func(j int) hcl.Range { return nestedItemRange(body, attr, append(append([]int(nil), at...), j), def) }
	if len(argv) > lim.MaxArgs {
		return hcl.Diagnostics{overCount("arguments in one command", len(argv), lim.MaxArgs, "args", item(lim.MaxArgs))}
	}
	var diags hcl.Diagnostics
	for j, arg := range argv {
		if i := strings.IndexByte(arg, 0); i >= 0 {
			diags = append(diags, errAt("Invalid command", fmt.Errorf("argument %d has a NUL byte at %d, which a program's arguments cannot hold", j+1, i), item(j)))
		} else if len(arg) > lim.MaxArgBytes {
			diags = append(diags, errAt("Limit exceeded", fmt.Errorf("argument %d is %d bytes; this cluster's limit is %s (limits: arg_bytes)", j+1, len(arg), showBytes(int64(lim.MaxArgBytes))), item(j)))
		}
	}
	return diags
}

// nestedItemRange is itemRange through nested literal lists: where
// element path[0], then path[1] of that, ... was written, or the closest
// enclosing value when one level is not a literal list.
func nestedItemRange(body hcl.Body, name string, path []int, fallback hcl.Range) hcl.Range {
	c, _, _ := body.PartialContent(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: name}}})
	a, ok := c.Attributes[name]
	if !ok {
		return fallback
	}
	expr := a.Expr
	for _, i := range path {
		exprs, diags := hcl.ExprList(expr)
		if diags.HasErrors() || i >= len(exprs) {
			break
		}
		expr = exprs[i]
	}
	return expr.Range()
}
