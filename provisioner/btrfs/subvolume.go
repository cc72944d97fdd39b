package btrfs

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

func createSubvolume(ctx context.Context, path string) error {
	_, err := btrfs(ctx, "subvolume", "create", path)
	return err
}

func snapshotSubvolume(ctx context.Context, src, dst string, readOnly bool) error {
	args := []string{"subvolume", "snapshot"}
	if readOnly {
		args = append(args, "-r")
	}
	_, err := btrfs(ctx, append(args, src, dst)...)
	return err
}

// deleteSubvolume returns once the subvolume is unlinked; the kernel
// frees its space (and, on current kernels, its qgroup) in the background.
func deleteSubvolume(ctx context.Context, path string) error {
	_, err := btrfs(ctx, "subvolume", "delete", path)
	return err
}

func subvolumeID(ctx context.Context, path string) (string, error) {
	out, err := btrfs(ctx, "inspect-internal", "rootid", path)
	if err != nil {
		return "", err
	}
	id := strings.TrimSpace(out)
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return "", fmt.Errorf("btrfs rootid of %s: unexpected output %q", path, out)
	}
	return id, nil
}

// setQuota limits the subvolume's referenced bytes; 0 removes the limit.
// Referenced, not exclusive: a site should not gain room because its files
// are shared with a snapshot.
func setQuota(ctx context.Context, path string, bytes int64) error {
	limit := "none"
	if bytes > 0 {
		limit = strconv.FormatInt(bytes, 10)
	}
	_, err := btrfs(ctx, "qgroup", "limit", limit, path)
	return err
}

// quota returns the subvolume's referenced-bytes limit, 0 if none.
func quota(ctx context.Context, path string) (int64, error) {
	id, err := subvolumeID(ctx, path)
	if err != nil {
		return 0, err
	}
	out, err := btrfs(ctx, "qgroup", "show", "-re", "--raw", "-f", path)
	if err != nil {
		return 0, err
	}
	// Columns: qgroupid rfer excl max_rfer max_excl [path]
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 5 || f[0] != "0/"+id {
			continue
		}
		if f[3] == "none" {
			return 0, nil
		}
		n, err := strconv.ParseInt(f[3], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("qgroup limit of %s: unexpected %q", path, f[3])
		}
		return n, nil
	}
	return 0, fmt.Errorf("no qgroup 0/%s for %s; are quotas enabled?", id, path)
}
