package btrfs

import (
	"context"
	"os"
	"syscall"
)

// liveSettings are what a site's live subvolume has that a snapshot of it
// does not carry: its owner and mode as Ensure set them, and its quota
// now (a snapshot inherits the limit in force when it was taken, a
// received one none at all).
type liveSettings struct {
	uid, gid int
	mode     os.FileMode
	limit    int64
}

func readLiveSettings(ctx context.Context, live string) (liveSettings, error) {
	fi, err := os.Stat(live)
	if err != nil {
		return liveSettings{}, err
	}
	st := fi.Sys().(*syscall.Stat_t)
	limit, err := quota(ctx, live)
	if err != nil {
		return liveSettings{}, err
	}
	return liveSettings{uid: int(st.Uid), gid: int(st.Gid), mode: fi.Mode().Perm(), limit: limit}, nil
}

// applyTo gives subvolume path the live subvolume's settings.
func (l liveSettings) applyTo(ctx context.Context, path string) error {
	if err := applyOwnership(path, l.uid, l.gid, l.mode); err != nil {
		return err
	}
	return setQuota(ctx, path, l.limit)
}
