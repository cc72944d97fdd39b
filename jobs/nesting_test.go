package jobs

import (
	"strings"
	"testing"
)

func TestCheckNesting(t *testing.T) {
	n := func(k int, s string) string { return strings.Repeat(s, k) }
	cases := []struct {
		name, src string
		col       int // 0 accepts; otherwise where the refusal points, on line 1
	}{
		{"32 brackets", "x = " + n(32, "[") + n(32, "]"), 0},
		{"33 brackets", "x = " + n(33, "[") + n(33, "]"), 37},
		{"siblings do not add up", "x = " + n(100, "[[1]], "), 0},
		{"mixed openers", "x = " + n(11, "([{") + n(11, "}])"), 37},
		{"32 parentheses", "x = " + n(32, "(") + "1" + n(32, ")"), 0},
		{"interpolations", `x = "` + n(33, `${"`), 102},
		{"32 conditionals", "x = " + n(32, "true ? 1 : ") + "1", 0},
		{"33 conditionals", "x = " + n(33, "true ? 1 : ") + "1", 362},
		{"conditionals in a list reset at commas", "x = [" + n(40, "a ? 1 : 2, ") + "1]", 0},
		{"33 unary minus", "x = " + n(33, "-") + "1", 37},
		{"33 negations", "x = " + n(33, "!") + "true", 37},
		{"binary minus", "x = 1" + n(100, " - 1"), 0},
		{"unary inside parentheses", "x = " + n(17, "-(") + "1" + n(17, ")"), 37},
		{"template if", `x = "` + n(33, "%{ if true }") + "x" + n(33, "%{ endif }") + `"`, 381},
		{"template ifs in sequence", `x = "` + n(50, "%{ if true }x%{ endif }") + `"`, 0},
		{"unmatched closers do not undo", "x = " + n(20, "[") + n(20, ")") + n(13, "["), 57},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			diags := checkNesting("n.hcl", []byte(c.src))
			switch {
			case c.col == 0 && diags.HasErrors():
				t.Errorf("refused: %v", diags)
			case c.col != 0 && !diags.HasErrors():
				t.Errorf("accepted, want refused at 1:%d", c.col)
			case c.col != 0 && (diags[0].Subject.Start.Line != 1 || diags[0].Subject.Start.Column != c.col):
				t.Errorf("refused at %d:%d, want 1:%d", diags[0].Subject.Start.Line, diags[0].Subject.Start.Column, c.col)
			}
		})
	}
}
