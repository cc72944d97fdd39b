package jobs

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

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
	col := max(r.Start.Byte-lineStart(f.Bytes, r.Start.Byte), 0)
	pad := strings.Map(func(c rune) rune {
		if c == '\t' {
			return c
		}
		return ' '
	}, line[:min(len(line), col)])
	fmt.Fprintf(b, "\n    %s\n    %s^", line, pad)
}

func lineStart(src []byte, off int) int {
	off = min(off, len(src))
	for off > 0 && src[off-1] != '\n' {
		off--
	}
	return off
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
