package contract

import (
	"path/filepath"
	"strings"
	"unicode"
)

// MediaPath is the Nomad Variable recording which node's store holds a
// site's media (key MediaRootKey): a later apply must render the site where
// its files are, not where the operator's HOSTCTL_MEDIA_ROOT points.
func MediaPath(site string) string { return "hostctl/sites/" + site + "/media" }

// MediaRootKey is the key of MediaPath holding the store's root, the value
// of the node's MediaRootMeta.
const MediaRootKey = "root"

// CheckMediaRoot reports why root cannot be a media store's root, or nil.
// A root reaches btrfs as a path, Nomad as a constraint value, and the
// router inside a comma- and '='-separated service meta (MetaStatic), so it
// must be an absolute clean path without separators of those lists or
// anything unprintable. Its errors are Invalid.
func CheckMediaRoot(root string) error {
	switch {
	case root == "" || !filepath.IsAbs(root) || filepath.Clean(root) != root || root == "/":
		return Errorf(Invalid, "media root %q must be an absolute, clean path below /", root)
	case strings.ContainsAny(root, ",=") || strings.IndexFunc(root, func(r rune) bool { return !unicode.IsPrint(r) || unicode.IsSpace(r) }) >= 0:
		return Errorf(Invalid, "media root %q must not contain ',', '=', spaces or control characters", root)
	}
	return nil
}
