package jobs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
)

var fileSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "site", LabelNames: []string{"name"}},
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "locals"},
	},
}

// ParseFile reads, decodes and validates every site declared in path.
func ParseFile(path string) ([]Site, error) { return ParsePath(path, nil) }

// ParsePath reads a spec file, or every *.hcl file of a directory as one
// spec (variables and locals are shared across the directory, as in a
// Terraform module), and validates all its sites. vars override variable
// defaults, as --var does on the command line.
func ParsePath(path string, vars map[string]string) ([]Site, error) {
	files, err := specFiles(path)
	if err != nil {
		return nil, err
	}
	srcs := make(map[string][]byte, len(files))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		srcs[f] = b
	}
	return parse(files, srcs, vars)
}

// Parse decodes and validates the sites in one file's source; filename is
// used in diagnostics and as the base for relative app directories.
func Parse(filename string, src []byte) ([]Site, error) {
	return parse([]string{filename}, map[string][]byte{filename: src}, nil)
}

func specFiles(path string) ([]string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return []string{path}, nil
	}
	files, err := filepath.Glob(filepath.Join(path, "*.hcl"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no *.hcl spec files in this directory", path)
	}
	sort.Strings(files)
	return files, nil
}

func parse(names []string, srcs map[string][]byte, vars map[string]string) ([]Site, error) {
	p := hclparse.NewParser()
	var diags hcl.Diagnostics
	var files []*hcl.File
	for _, name := range names {
		var f *hcl.File
		var d hcl.Diagnostics
		if strings.HasSuffix(name, ".json") {
			f, d = p.ParseJSON(srcs[name], name)
		} else {
			f, d = p.ParseHCL(srcs[name], name)
		}
		diags = append(diags, d...)
		files = append(files, f)
	}
	fail := func() ([]Site, error) { return nil, &SpecError{Diags: diags, Files: p.Files()} }
	if diags.HasErrors() {
		return fail()
	}
	body := hcl.MergeFiles(files)
	content, d := body.Content(fileSchema)
	diags = append(diags, d...)
	ctx, d := evalContext(content, vars)
	diags = append(diags, d...)
	blocks := content.Blocks.OfType("site")
	if len(blocks) == 0 && !diags.HasErrors() {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No site declared",
			Detail:   `A spec declares at least one site "name" { ... } block.`,
			Subject:  files[0].Body.MissingItemRange().Ptr(),
		})
	}
	var sites []Site
	for _, blk := range blocks {
		s, d := decodeSite(ctx, blk)
		diags = append(diags, d...)
		sites = append(sites, s)
	}
	diags = append(diags, checkUnique(blocks, sites)...)
	if diags.HasErrors() {
		return fail()
	}
	return sites, nil
}

// checkUnique rejects two sites with one name or one domain in a spec,
// which would otherwise silently steal each other's traffic.
func checkUnique(blocks []*hcl.Block, sites []Site) hcl.Diagnostics {
	var diags hcl.Diagnostics
	names := map[string]bool{}
	domains := map[string]string{}
	for i, s := range sites {
		if names[s.Name] {
			diags = append(diags, errAt("Duplicate site", fmt.Errorf("site %q is declared more than once", s.Name), blocks[i].LabelRanges[0]))
		}
		names[s.Name] = true
		for _, d := range append(append([]string(nil), s.Domains...), s.Redirects...) {
			if owner, ok := domains[d]; ok && owner != s.Name {
				diags = append(diags, errAt("Duplicate domain", fmt.Errorf("domain %q is claimed by sites %q and %q", d, owner, s.Name), blocks[i].DefRange))
			}
			domains[d] = s.Name
		}
	}
	return diags
}

// IsSpecError reports whether err is a problem with the spec itself (as
// opposed to, say, an unreadable file), for exit codes.
func IsSpecError(err error) bool {
	var se *SpecError
	return errors.As(err, &se)
}
