package jobs

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"

	"github.com/hostctl/hostctl/contract"
)

// SpecError carries every problem found in a spec, each with its file, line
// and column, so one run shows them all and nothing is applied.
type SpecError struct {
	Diags hcl.Diagnostics
	Files map[string]*hcl.File
}

// ExitCode makes a bad spec exit as invalid input (see contract.Code).
func (e *SpecError) ExitCode() int { return int(contract.Invalid) }

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
	if !ok || f == nil || r.Start.Byte < 0 || r.Start.Byte > len(f.Bytes) {
		return
	}
	line, col := quotedLine(f.Bytes, r.Start.Byte)
	pad := strings.Map(func(c rune) rune {
		if c == '\t' {
			return c
		}
		return ' '
	}, line[:min(len(line), col)])
	fmt.Fprintf(b, "\n    %s\n    %s^", line, pad)
}

// maxQuotedLine keeps a quoted line readable: a spec may be one line of
// 256 KiB, and the message would be all of it.
const maxQuotedLine = 160

// quotedLine is the line of src around byte off, cut to a window of
// maxQuotedLine bytes with the cuts marked, and off's column in it. It
// looks no further than the window: a spec with thousands of problems on
// one long line must not be scanned whole for each.
func quotedLine(src []byte, off int) (string, int) {
	from, to := off, off
	for from > 0 && src[from-1] != '\n' && off-from < maxQuotedLine/2 {
		from--
	}
	for to < len(src) && src[to] != '\n' && to-from < maxQuotedLine {
		to++
	}
	for from < off && !utf8.RuneStart(src[from]) {
		from++
	}
	for to > off && to < len(src) && !utf8.RuneStart(src[to]) {
		to--
	}
	line, col := string(src[from:to]), off-from
	if from > 0 && src[from-1] != '\n' {
		line, col = "…"+line, col+len("…")
	}
	if to < len(src) && src[to] != '\n' && src[to] != '\r' {
		line += "…"
	}
	return strings.TrimRight(line, "\r"), col
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

// blocksOf gives the headers of a body's blocks of one type, in the order
// gohcl decodes them, for messages about their labels.
func blocksOf(body hcl.Body, typ string, labels ...string) hcl.Blocks {
	c, _, _ := body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: typ, LabelNames: labels}}})
	return c.Blocks
}
