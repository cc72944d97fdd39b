package contract

import (
	"fmt"
	"testing"
)

func TestCheckMediaRoot(t *testing.T) {
	for _, tc := range []struct{ root, want string }{
		{"/srv/media/node-3", ""},
		{"/", "absolute, clean"},
		{"", "absolute, clean"},
		{"srv/media", "absolute, clean"},
		{"/srv/../etc", "absolute, clean"},
		{"/srv/media/", "absolute, clean"},
		{"/srv/a,/media/=/etc", "must not contain"},
		{"/srv/a b", "must not contain"},
		{"/srv/a\nb", "must not contain"},
	} {
		t.Run(fmt.Sprintf("%q", tc.root), func(t *testing.T) { checkCoded(t, CheckMediaRoot(tc.root), tc.want) })
	}
}
