package nodes

import (
	"testing"

	"github.com/hostctl/hostctl/contract"
)

func TestPick(t *testing.T) {
	all := []Node{
		{ID: "4a1b0000-0000-0000-0000-000000000001", Name: "web-1"},
		{ID: "4a1c0000-0000-0000-0000-000000000002", Name: "web-2"},
		{ID: "9f000000-0000-0000-0000-000000000003", Name: "4a1b"},
	}
	for _, tc := range []struct {
		name, ref, want string
		code            contract.Code
	}{
		{"by name", "web-2", "web-2", 0},
		{"by unique ID prefix", "9f", "4a1b", 0},
		{"by whole ID", "4a1c0000-0000-0000-0000-000000000002", "web-2", 0},
		{"a name wins over an ID prefix", "4a1b", "4a1b", 0},
		{"ambiguous prefix", "4a1", "", contract.Invalid},
		{"nothing matches", "db-1", "", contract.NotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := pick(all, tc.ref)
			if tc.code != 0 {
				if got := contract.ExitCode(err); got != int(tc.code) {
					t.Fatalf("pick(%q) = %v, %v; want code %d", tc.ref, n, err, tc.code)
				}
				return
			}
			if err != nil || n.Name != tc.want {
				t.Fatalf("pick(%q) = %v, %v; want %s", tc.ref, n, err, tc.want)
			}
		})
	}
}
