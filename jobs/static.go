package jobs

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/hostctl/hostctl/contract"
)

// Each web instance serves its site's static dirs itself, from its copy of
// the app (which the release step may have filled, with collectstatic for
// one), so they work for every kind of source and on whichever node the
// instance lands. The launcher reads them from "url=dir" pairs and the
// router the prefixes from a comma-separated list (contract.EnvStatic,
// contract.MetaStaticURLs): a url with ',' or '=' would add pairs of its
// own choosing ("/s/,/x/=/etc"), so both sides keep to characters that
// cannot separate anything.
var (
	staticURLRE = regexp.MustCompile(`^/([A-Za-z0-9._~-]+/)*$`)
	staticDirRE = regexp.MustCompile(`^[A-Za-z0-9._/-]+$`)
)

func decodeStatic(sb siteBlock, lim Limits, s *Site) hcl.Diagnostics {
	var diags hcl.Diagnostics
	headers := blocksOf(sb.Body, "static")
	if len(sb.Static) > lim.MaxStatic {
		return hcl.Diagnostics{overCount("static blocks", len(sb.Static), lim.MaxStatic, "static", headers[lim.MaxStatic].DefRange)}
	}
	seen := map[string]bool{}
	for i, st := range sb.Static {
		def := headers[i].DefRange
		urlRange, dirRange := attrRange(st.Body, "url", def), attrRange(st.Body, "dir", def)
		if err := checkStaticURL(st.URL, s.Media != nil); err != nil {
			diags = append(diags, errAt("Invalid static url", err, urlRange))
		} else if seen[st.URL] {
			diags = append(diags, errAt("Duplicate static url", fmt.Errorf("static url %q is declared more than once", st.URL), urlRange))
		}
		seen[st.URL] = true
		if err := checkStaticDir(st.Dir); err != nil {
			diags = append(diags, errAt("Invalid static dir", err, dirRange))
			continue
		}
		s.Static = append(s.Static, Static{URL: st.URL, Dir: path.Clean(st.Dir)})
	}
	return diags
}

func checkStaticURL(u string, media bool) error {
	switch {
	case !staticURLRE.MatchString(u):
		return fmt.Errorf("static url %q must start and end with '/' and hold only letters, digits and . _ ~ - between slashes", u)
	case slices.Contains(strings.Split(u, "/"), ".."), slices.Contains(strings.Split(u, "/"), "."):
		return fmt.Errorf("static url %q must not contain . or .. segments", u)
	case u == "/":
		return fmt.Errorf("static url \"/\" would serve every path from disk; the app would never see a request")
	case media && strings.HasPrefix(u, contract.MediaURL):
		return fmt.Errorf("static url %q is inside %s, where the media block's files are served", u, contract.MediaURL)
	}
	return nil
}

// checkStaticDir keeps a static dir inside the site's own code; the
// launcher checks again and serves it as the site, confined to it.
func checkStaticDir(d string) error {
	if err := checkRelPath(d); err != nil {
		return fmt.Errorf("static dir %w", err)
	}
	if !staticDirRE.MatchString(d) {
		return fmt.Errorf("static dir %q may hold only letters, digits and . _ / -", d)
	}
	return nil
}
