package jobs

import (
	"strings"
	"testing"
	"time"
)

// A diagnostic quotes its line with a caret under the offending value; on
// a long line, only a window around it.
func TestDiagQuotesTheLine(t *testing.T) {
	ones := strings.Repeat("1, ", 10_000)
	line := "  x = [" + ones + "nope(), " + ones + "]"
	at := strings.Index(line, "nope")
	cases := []struct {
		name, src string
		want      []string // the two lines after the first of the message
	}{
		{"short", "locals {\n\tx = [1, nope()]\n}\n", []string{"    \tx = [1, nope()]", "    \t        ^"}},
		// 80 bytes either side of the value, the cuts marked.
		{"long line", "locals {\n" + line + "\n}\n",
			[]string{"    …" + line[at-80:at+80] + "…", "    " + strings.Repeat(" ", 81) + "^"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseSource("d.hcl", []byte(c.src), Options{})
			if err == nil {
				t.Fatal("accepted")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) < 3 || lines[1] != c.want[0] || lines[2] != c.want[1] {
				t.Errorf("message:\n%s\nwant the quote:\n%s", err, strings.Join(c.want, "\n"))
			}
		})
	}
}

// Thousands of problems on one long line print in time linear in their
// number, not in their number times the line.
func TestDiagManyProblemsOnOneLine(t *testing.T) {
	src := "locals {\n  x = [" + strings.Repeat("nope(), ", 15_000) + "]\n}\n"
	_, err := ParseSource("d.hcl", []byte(src), Options{})
	start := time.Now()
	msg := err.Error()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("printing %d bytes took %v", len(msg), d)
	}
	if n := strings.Count(msg, "Call to unknown function"); n != 15_000 {
		t.Errorf("%d problems reported, want one per site", n)
	}
}
