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
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

var fileSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "site", LabelNames: []string{"name"}},
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "locals"},
	},
}

// Options are the cluster's settings a spec is checked against.
type Options struct {
	Vars map[string]string // --var overrides
	// SourceRoot is the operator's source tree: site S's local code lives
	// in SourceRoot/S, and a spec may only name a directory inside it.
	SourceRoot string
	// TrustedSourceHosts are hosts (or host:port) exempt from the
	// private-address rule for git and archive sources, e.g. a git server
	// on the cluster's own network.
	TrustedSourceHosts []string
	Limits             Limits // caps; the zero value means DefaultLimits()
}

// ParseFile reads, decodes and validates every site declared in path. Local
// code is refused: it needs a source tree (ParseWith).
func ParseFile(path string) ([]Site, error) { return ParsePath(path, nil) }

// ParsePath is ParseWith with only --var values: no source tree, so sites
// must fetch their code with git or archive sources.
func ParsePath(path string, vars map[string]string) ([]Site, error) {
	return ParseWith(path, Options{Vars: vars})
}

// Parse is ParseSource with no options; filename is used in diagnostics.
func Parse(filename string, src []byte) ([]Site, error) {
	return ParseSource(filename, src, Options{})
}

// ParseWith reads a spec file, or every *.hcl file of a directory as one
// spec (variables and locals are shared across the directory, as in a
// Terraform module), and validates all its sites against o.
func ParseWith(path string, o Options) ([]Site, error) {
	files, err := specFiles(path)
	if err != nil {
		return nil, err
	}
	srcs := make(map[string][]byte, len(files))
	var diags hcl.Diagnostics
	total := 0
	for i, f := range files {
		if i == maxSpecFiles {
			diags = append(diags, errAt("Spec too large", fmt.Errorf("a spec directory holds at most %d *.hcl files; %s has %d", maxSpecFiles, path, len(files)), rangeAt(f, nil, 0)))
			break
		}
		b, d, err := readSpecFile(f, maxFileBytes)
		if err != nil {
			return nil, err
		}
		srcs[f] = b
		diags = append(diags, d...)
		if total += len(b); total > maxSpecBytes && !d.HasErrors() {
			diags = append(diags, errAt("Spec too large", fmt.Errorf("the files of %s are larger than %s together, the limit for one spec", path, showBytes(maxSpecBytes)), rangeAt(f, b, 0)))
			break
		}
	}
	if diags.HasErrors() {
		return nil, &SpecError{Diags: diags, Files: rawFiles(srcs)}
	}
	return parse(files, srcs, o)
}

// ParseSource decodes and validates the sites in one file's source;
// filename is used in diagnostics.
func ParseSource(filename string, src []byte, o Options) ([]Site, error) {
	if len(src) > maxFileBytes {
		return nil, &SpecError{Diags: hcl.Diagnostics{errAt("Spec file too large",
			fmt.Errorf("%s is larger than %s, the limit for one spec file", filename, showBytes(maxFileBytes)), rangeAt(filename, src, maxFileBytes))},
			Files: rawFiles(map[string][]byte{filename: src[:maxFileBytes]})}
	}
	return parse([]string{filename}, map[string][]byte{filename: src}, o)
}

// rawFiles lets diagnostics found before parsing quote their line.
func rawFiles(srcs map[string][]byte) map[string]*hcl.File {
	files := make(map[string]*hcl.File, len(srcs))
	for name, b := range srcs {
		files[name] = &hcl.File{Bytes: b}
	}
	return files
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

func parse(names []string, srcs map[string][]byte, o Options) ([]Site, error) {
	o.Limits = o.Limits.resolve()
	var diags hcl.Diagnostics
	for _, name := range names {
		if strings.HasSuffix(strings.ToLower(name), ".json") {
			// HCL's JSON syntax has its own expression forms, which the
			// bounds below do not cover; specs are HCL only.
			diags = append(diags, errAt("JSON specs are not supported", fmt.Errorf("%s: write the spec in HCL native syntax (a .hcl file)", name), rangeAt(name, srcs[name], 0)))
			continue
		}
		// Before the parser: its recursion depth is what the lexer sees.
		diags = append(diags, checkNesting(name, srcs[name])...)
	}
	if diags.HasErrors() {
		return nil, &SpecError{Diags: diags, Files: rawFiles(srcs)}
	}
	p := hclparse.NewParser()
	var files []*hcl.File
	for _, name := range names {
		f, d := p.ParseHCL(srcs[name], name)
		diags = append(diags, d...)
		files = append(files, f)
	}
	fail := func() ([]Site, error) { return nil, &SpecError{Diags: diags, Files: p.Files()} }
	if diags.HasErrors() {
		return fail()
	}
	for _, f := range files {
		diags = append(diags, checkStructure(f.Body.(*hclsyntax.Body))...)
	}
	if diags.HasErrors() {
		return fail()
	}
	body := hcl.MergeFiles(files)
	content, d := body.Content(fileSchema)
	diags = append(diags, d...)
	budget := newEvalBudget()
	ctx, d := evalContext(content, o.Vars, budget)
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
		if d := budget.checkBody(blk.Body, ctx, ""); d.HasErrors() {
			diags = append(diags, d...)
			continue
		}
		s, d := decodeSite(ctx, blk, o)
		diags = append(diags, d...)
		sites = append(sites, s)
	}
	if !diags.HasErrors() {
		diags = append(diags, checkUnique(blocks, sites)...)
	}
	if diags.HasErrors() {
		return fail()
	}
	return sites, nil
}

// checkUnique rejects two sites with one name, or with domains that
// overlap (equal, or a wildcard covering the other's name), in a spec:
// they would silently steal each other's traffic.
func checkUnique(blocks []*hcl.Block, sites []Site) hcl.Diagnostics {
	var diags hcl.Diagnostics
	names := map[string]bool{}
	claims := NewDomainClaims()
	for i, s := range sites {
		if names[s.Name] {
			diags = append(diags, errAt("Duplicate site", fmt.Errorf("site %q is declared more than once", s.Name), blocks[i].LabelRanges[0]))
		}
		names[s.Name] = true
		hosts := append(append([]string(nil), s.Domains...), s.Redirects...)
		for _, d := range hosts {
			switch c, ok := claims.Conflict(d, s.Name); {
			case !ok:
			case c.Host == d:
				diags = append(diags, errAt("Duplicate domain", fmt.Errorf("domain %q is claimed by sites %q and %q", d, c.Site, s.Name), blocks[i].DefRange))
			default:
				diags = append(diags, errAt("Duplicate domain", fmt.Errorf("domain %q of site %q overlaps %q of site %q", d, s.Name, c.Host, c.Site), blocks[i].DefRange))
			}
		}
		for _, d := range hosts {
			claims.Add(d, s.Name)
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
