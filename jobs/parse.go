package jobs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// The HCL shapes as written by users. Optional scalars are pointers so that
// "left out" (take the default) differs from "set to zero" (an error).
type siteBlock struct {
	Domains   []string        `hcl:"domains"`
	App       *string         `hcl:"app,optional"`
	WSGI      string          `hcl:"wsgi"`
	Release   [][]string      `hcl:"release,optional"`
	Processes []*processBlock `hcl:"process,block"`
	Health    *healthBlock    `hcl:"health,block"`
	Body      hcl.Body        `hcl:",body"`
}

type processBlock struct {
	Name      string   `hcl:"name,label"`
	Instances *int     `hcl:"instances,optional"`
	Workers   *int     `hcl:"workers,optional"`
	Body      hcl.Body `hcl:",body"`
}

type healthBlock struct {
	Path     *string  `hcl:"path,optional"`
	Interval *string  `hcl:"interval,optional"`
	Timeout  *string  `hcl:"timeout,optional"`
	Body     hcl.Body `hcl:",body"`
}

var fileSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{{Type: "site", LabelNames: []string{"name"}}},
}

// SpecError carries every problem found in a spec, each with its file, line
// and column, so one run shows them all and nothing is applied.
type SpecError struct {
	Diags hcl.Diagnostics
	Files map[string]*hcl.File
}

func (e *SpecError) Error() string {
	var b strings.Builder
	for i, d := range e.Diags {
		if i > 0 {
			b.WriteByte('\n')
		}
		writeDiag(&b, d, e.Files)
	}
	return b.String()
}

// writeDiag prints "file:line:col: summary: detail", the way compilers do so
// editors can jump to it, then the offending source line with a caret.
func writeDiag(b *strings.Builder, d *hcl.Diagnostic, files map[string]*hcl.File) {
	if d.Subject == nil {
		fmt.Fprintf(b, "%s: %s", d.Summary, d.Detail)
		return
	}
	r := *d.Subject
	fmt.Fprintf(b, "%s:%d:%d: %s: %s", r.Filename, r.Start.Line, r.Start.Column, d.Summary, d.Detail)
	f, ok := files[r.Filename]
	if !ok {
		return
	}
	lines := strings.Split(string(f.Bytes), "\n")
	if r.Start.Line < 1 || r.Start.Line > len(lines) {
		return
	}
	line := strings.TrimRight(lines[r.Start.Line-1], "\r")
	pad := strings.Map(func(c rune) rune {
		if c == '\t' {
			return c
		}
		return ' '
	}, line[:min(len(line), max(r.Start.Byte-lineStart(f.Bytes, r.Start.Byte), 0))])
	fmt.Fprintf(b, "\n    %s\n    %s^", line, pad)
}

func lineStart(src []byte, off int) int {
	off = min(off, len(src))
	for off > 0 && src[off-1] != '\n' {
		off--
	}
	return off
}

// ParseFile reads, decodes and validates every site declared in path.
func ParseFile(path string) ([]Site, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, src)
}

// Parse decodes and validates the sites in src; filename is used in
// diagnostics and as the base for relative app directories.
func Parse(filename string, src []byte) ([]Site, error) {
	p := hclparse.NewParser()
	var file *hcl.File
	var diags hcl.Diagnostics
	if strings.HasSuffix(filename, ".json") {
		file, diags = p.ParseJSON(src, filename)
	} else {
		file, diags = p.ParseHCL(src, filename)
	}
	fail := func() ([]Site, error) { return nil, &SpecError{Diags: diags, Files: p.Files()} }
	if diags.HasErrors() {
		return fail()
	}
	content, d := file.Body.Content(fileSchema)
	diags = append(diags, d...)
	if len(content.Blocks) == 0 && !diags.HasErrors() {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No site declared",
			Detail:   `A spec file declares at least one site "name" { ... } block.`,
			Subject:  file.Body.MissingItemRange().Ptr(),
		})
	}
	baseDir, err := filepath.Abs(filepath.Dir(filename))
	if err != nil {
		return nil, err
	}
	var sites []Site
	for _, blk := range content.Blocks {
		s, d := decodeSite(blk, baseDir)
		diags = append(diags, d...)
		s.SpecFile = filename
		sites = append(sites, s)
	}
	diags = append(diags, checkUnique(content.Blocks, sites)...)
	if diags.HasErrors() {
		return fail()
	}
	return sites, nil
}

func decodeSite(blk *hcl.Block, baseDir string) (Site, hcl.Diagnostics) {
	var sb siteBlock
	diags := gohcl.DecodeBody(blk.Body, nil, &sb)
	s := Site{Name: blk.Labels[0], WSGI: sb.WSGI}
	if err := CheckSiteName(s.Name); err != nil {
		diags = append(diags, errAt("Invalid site name", err, blk.LabelRanges[0]))
	}
	if diags.HasErrors() {
		return s, diags
	}
	if len(sb.Domains) == 0 {
		diags = append(diags, errAt("Missing domains", fmt.Errorf("site %q needs at least one domain to be routed", s.Name), attrRange(sb.Body, "domains", blk.DefRange)))
	}
	for i, d := range sb.Domains {
		if err := CheckDomain(d); err != nil {
			diags = append(diags, errAt("Invalid domain", err, itemRange(sb.Body, "domains", i, blk.DefRange)))
		}
	}
	s.Domains = sb.Domains
	if err := CheckWSGI(sb.WSGI); err != nil {
		diags = append(diags, errAt("Invalid wsgi", err, attrRange(sb.Body, "wsgi", blk.DefRange)))
	}
	s.AppDir, diags = decodeAppDir(sb, baseDir, blk.DefRange, diags)
	for i, argv := range sb.Release {
		if len(argv) == 0 || argv[0] == "" {
			diags = append(diags, errAt("Invalid release command", fmt.Errorf("release command %d is empty", i+1), itemRange(sb.Body, "release", i, blk.DefRange)))
		}
	}
	s.Release = sb.Release
	s.Web = Web{Instances: DefaultInstances, Workers: DefaultWorkers, MemoryMB: DefaultMemoryMB, CPU: DefaultCPU}
	diags = append(diags, decodeProcesses(sb, &s.Web)...)
	s.Health = Health{Path: DefaultHealthPath, Interval: DefaultHealthInterval, Timeout: DefaultHealthTimeout}
	if sb.Health != nil {
		diags = append(diags, decodeHealth(sb.Health, &s.Health)...)
	}
	return s, diags
}

func decodeAppDir(sb siteBlock, baseDir string, def hcl.Range, diags hcl.Diagnostics) (string, hcl.Diagnostics) {
	dir := "."
	if sb.App != nil {
		dir = *sb.App
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(baseDir, dir)
	}
	dir = filepath.Clean(dir)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		diags = append(diags, errAt("Invalid app directory", fmt.Errorf("app directory %s does not exist or is not a directory", dir), attrRange(sb.Body, "app", def)))
	}
	return dir, diags
}

func decodeProcesses(sb siteBlock, web *Web) hcl.Diagnostics {
	var diags hcl.Diagnostics
	blocks := processBlocks(sb.Body)
	for i, p := range sb.Processes {
		if p.Name != "web" {
			diags = append(diags, errAt("Unsupported process", fmt.Errorf("process %q: only the \"web\" process (gunicorn) is supported", p.Name), blocks[i].LabelRanges[0]))
			continue
		}
		if p.Instances != nil {
			web.Instances = *p.Instances
			diags = append(diags, checkRange(p.Body, "instances", *p.Instances, 0, 64, blocks[i].DefRange)...)
		}
		if p.Workers != nil {
			web.Workers = *p.Workers
			diags = append(diags, checkRange(p.Body, "workers", *p.Workers, 1, 64, blocks[i].DefRange)...)
		}
	}
	if len(sb.Processes) > 1 {
		diags = append(diags, errAt("Duplicate process", fmt.Errorf("process %q is declared more than once", sb.Processes[1].Name), blocks[1].DefRange))
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
	for _, f := range []struct {
		name string
		src  *string
		dst  *time.Duration
	}{{"interval", hb.Interval, &h.Interval}, {"timeout", hb.Timeout, &h.Timeout}} {
		if f.src == nil {
			continue
		}
		d, err := time.ParseDuration(*f.src)
		if err == nil && (d < time.Second || d > 5*time.Minute) {
			err = fmt.Errorf("health %s %s must be between 1s and 5m", f.name, d)
		}
		if err != nil {
			diags = append(diags, errAt("Invalid health "+f.name, err, attrRange(hb.Body, f.name, def)))
			continue
		}
		*f.dst = d
	}
	return diags
}

// checkUnique rejects two sites with one name or one domain in a file,
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
		for _, d := range s.Domains {
			if owner, ok := domains[d]; ok && owner != s.Name {
				diags = append(diags, errAt("Duplicate domain", fmt.Errorf("domain %q is claimed by sites %q and %q", d, owner, s.Name), blocks[i].DefRange))
			}
			domains[d] = s.Name
		}
	}
	return diags
}

func checkRange(body hcl.Body, name string, v, lo, hi int, def hcl.Range) hcl.Diagnostics {
	if v >= lo && v <= hi {
		return nil
	}
	return hcl.Diagnostics{errAt("Invalid "+name, fmt.Errorf("%s = %d must be between %d and %d", name, v, lo, hi), attrRange(body, name, def))}
}

func errAt(summary string, err error, r hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: err.Error(), Subject: r.Ptr()}
}

// attrRange finds where an attribute's value was written, so a validation
// error points at the value rather than at the whole block.
func attrRange(body hcl.Body, name string, fallback hcl.Range) hcl.Range {
	c, _, _ := body.PartialContent(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: name}}})
	if a, ok := c.Attributes[name]; ok {
		return a.Expr.Range()
	}
	return fallback
}

// itemRange returns where element i of a list attribute was written, or
// the whole value when it is not a literal list (e.g. a function call).
func itemRange(body hcl.Body, name string, i int, fallback hcl.Range) hcl.Range {
	c, _, _ := body.PartialContent(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: name}}})
	a, ok := c.Attributes[name]
	if !ok {
		return fallback
	}
	if exprs, diags := hcl.ExprList(a.Expr); !diags.HasErrors() && i < len(exprs) {
		return exprs[i].Range()
	}
	return a.Expr.Range()
}

// processBlocks gives the process blocks' header ranges, in the order
// gohcl decoded them, for messages about their labels.
func processBlocks(body hcl.Body) hcl.Blocks {
	c, _, _ := body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "process", LabelNames: []string{"name"}}}})
	return c.Blocks
}
