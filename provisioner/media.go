package provisioner

import (
	"context"
	"errors"
	"fmt"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/provisioner/btrfs"
)

// SiteMediaRoot is the store holding the site's media: the one recorded for it
// (contract.MediaPath), else the configured MediaRoot, where a first apply
// makes it. recorded tells the two apart.
func (c Config) SiteMediaRoot(ctx context.Context, nc *nomad.Client, site string) (root string, recorded bool, err error) {
	if err := contract.CheckSiteName(site); err != nil {
		return "", false, err
	}
	v, _, err := nc.Variables().Peek(contract.MediaPath(site), (&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return "", false, err
	}
	if v == nil {
		return c.MediaRoot, false, nil
	}
	root = v.Items[contract.MediaRootKey]
	// Anyone with write access to Variables could have put a path there.
	if err := contract.CheckMediaRoot(root); err != nil {
		return "", false, fmt.Errorf("%s: %w", contract.MediaPath(site), err)
	}
	return root, true, nil
}

// RecordMediaRoot records that the site's media now lives in the store at
// root. The caller takes root from the node's advertised meta, never from
// the tenant.
func RecordMediaRoot(ctx context.Context, nc *nomad.Client, site, root string) error {
	if err := contract.CheckSiteName(site); err != nil {
		return err
	}
	if err := contract.CheckMediaRoot(root); err != nil {
		return err
	}
	vars := nc.Variables()
	cur, _, err := vars.Peek(contract.MediaPath(site), (&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return err
	}
	v := &nomad.Variable{Path: contract.MediaPath(site), Items: nomad.VariableItems{contract.MediaRootKey: root}}
	if cur != nil {
		v.ModifyIndex = cur.ModifyIndex
	}
	// Checked-and-set: two moves of one site must not both believe they won.
	_, _, err = vars.CheckedUpdate(v, (&nomad.WriteOptions{}).WithContext(ctx))
	var cas nomad.ErrCASConflict
	if errors.As(err, &cas) {
		return contract.Errorf(contract.Conflict, "where %s's media lives changed while it was being recorded; try again", site)
	}
	return err
}

// firstRecord records root for a site that has none yet; a record someone
// else made first wins, as it names where the files are.
func firstRecord(ctx context.Context, nc *nomad.Client, site, root string) error {
	v := &nomad.Variable{Path: contract.MediaPath(site), Items: nomad.VariableItems{contract.MediaRootKey: root}}
	_, _, err := nc.Variables().CheckedCreate(v, (&nomad.WriteOptions{}).WithContext(ctx))
	var cas nomad.ErrCASConflict
	if errors.As(err, &cas) {
		return nil
	}
	return err
}

// ReplicateMedia is one round of copying the site's files from the store
// at from to the one at to (btrfs.Store.Replicate).
func ReplicateMedia(ctx context.Context, site, from, to string) (btrfs.Sent, error) {
	src, dst, err := storePair(from, to)
	if err != nil {
		return btrfs.Sent{}, err
	}
	return src.Replicate(ctx, site, dst)
}

// PromoteMedia makes the last round's copy the site's live files in to.
func PromoteMedia(ctx context.Context, site, from, to string) error {
	src, dst, err := storePair(from, to)
	if err != nil {
		return err
	}
	return src.Promote(ctx, site, dst)
}

// DropMedia deletes the site's files and snapshots from the store at root:
// the source once the site serves from its new store, or a copy a failed
// move left.
func DropMedia(ctx context.Context, site, root string) error {
	if err := contract.CheckMediaRoot(root); err != nil {
		return err
	}
	return (&btrfs.Store{Root: root}).Delete(ctx, site)
}

func storePair(from, to string) (*btrfs.Store, *btrfs.Store, error) {
	for _, root := range []string{from, to} {
		if err := contract.CheckMediaRoot(root); err != nil {
			return nil, nil, err
		}
	}
	return &btrfs.Store{Root: from}, &btrfs.Store{Root: to}, nil
}
