package btrfs

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/hostctl/hostctl/contract"
)

// ErrInvalidSiteName wraps every rejection of a site name so callers (the
// API) can answer "bad request" without parsing messages.
var ErrInvalidSiteName = errors.New("invalid site name")

// ErrInvalidSnapshotName is returned for names List could never have
// produced; they are refused before they reach a path.
var ErrInvalidSnapshotName = errors.New("invalid snapshot name")

// checkSite must run before any path join or btrfs call: the name becomes
// a path component under Root.
func checkSite(site string) error {
	if err := contract.CheckSiteName(site); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSiteName, err)
	}
	return nil
}

// Snapshot names are a UTC timestamp, with "-N" added when two snapshots
// fall in the same second, so they sort by age and never contain a path
// separator.
const stampLayout = "20060102T150405Z"

var snapshotNameRE = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}Z(-[1-9][0-9]{0,5})?$`)

func checkSnapshotName(name string) error {
	if !snapshotNameRE.MatchString(name) {
		return fmt.Errorf("%w: %q", ErrInvalidSnapshotName, name)
	}
	return nil
}
