package jobs

import (
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// Bounds on what is read at all, checked before anything is parsed: a
// spec is written by a tenant, and every later step costs more than
// reading. A real spec is a few KiB.
const (
	maxFileBytes = 256 << 10 // one spec file
	maxSpecFiles = 64        // *.hcl files of a spec directory
	maxSpecBytes = 1 << 20   // all files of a spec directory together
	maxVarBytes  = 64 << 10  // one --var value
)

// readSpecFile reads path, but never more than limit+1 bytes: a file over
// the limit is reported, with the line where it went over, without being
// read whole. I/O errors are plain errors, not spec problems.
func readSpecFile(path string, limit int) ([]byte, hcl.Diagnostics, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, nil, err
	}
	if len(b) > limit {
		return b[:limit], hcl.Diagnostics{errAt("Spec file too large",
			fmt.Errorf("%s is larger than %s, the limit for one spec file", path, showBytes(int64(limit))), rangeAt(path, b[:limit], limit))}, nil
	}
	return b, nil, nil
}

// rangeAt is a one-character range at byte offset off of src, for problems
// found before there are tokens to point at.
func rangeAt(filename string, src []byte, off int) hcl.Range {
	off = min(max(off, 0), len(src))
	pos := hcl.Pos{Line: 1, Column: 1, Byte: off}
	for i := 0; i < off; {
		r, n := utf8.DecodeRune(src[i:])
		i += n
		if r == '\n' {
			pos.Line++
			pos.Column = 1
		} else {
			pos.Column++
		}
	}
	end := pos
	end.Byte++
	end.Column++
	return hcl.Range{Filename: filename, Start: pos, End: end}
}
