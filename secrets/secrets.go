// Package secrets keeps a site's secret values in Nomad Variables at the
// path the site's own job may read (contract.SecretsPath). Values are set from
// the operator's terminal or a pipe and never pass through a spec or a job.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
)

// Set stores one secret, keeping the site's others. The read-modify-write
// is checked-and-set so two concurrent updates cannot lose one another.
func Set(ctx context.Context, nc *nomad.Client, site, name, value string) error {
	if err := contract.CheckSiteName(site); err != nil {
		return err
	}
	if err := contract.CheckSecretName(name); err != nil {
		return err
	}
	return update(ctx, nc, site, func(items nomad.VariableItems) { items[name] = value })
}

// Unset removes one secret.
func Unset(ctx context.Context, nc *nomad.Client, site, name string) error {
	if err := contract.CheckSiteName(site); err != nil {
		return err
	}
	return update(ctx, nc, site, func(items nomad.VariableItems) { delete(items, name) })
}

func update(ctx context.Context, nc *nomad.Client, site string, change func(nomad.VariableItems)) error {
	vars := nc.Variables()
	path := contract.SecretsPath(site)
	for attempt := 0; attempt < 10; attempt++ {
		cur, _, err := vars.Peek(path, (&nomad.QueryOptions{}).WithContext(ctx))
		if err != nil {
			return err
		}
		v := &nomad.Variable{Path: path, Items: nomad.VariableItems{}}
		if cur != nil {
			v = cur
		}
		change(v.Items)
		w := (&nomad.WriteOptions{}).WithContext(ctx)
		if len(v.Items) == 0 {
			if cur == nil {
				return nil
			}
			_, err = vars.CheckedDelete(path, cur.ModifyIndex, w)
		} else {
			_, _, err = vars.CheckedUpdate(v, w)
		}
		var cas nomad.ErrCASConflict
		if errors.As(err, &cas) {
			continue
		}
		return err
	}
	return contract.Errorf(contract.Conflict, "secrets of %s changed concurrently too often; try again", site)
}

// Names lists which secrets a site has values for, never the values.
func Names(ctx context.Context, nc *nomad.Client, site string) ([]string, error) {
	if err := contract.CheckSiteName(site); err != nil {
		return nil, err
	}
	v, _, err := nc.Variables().Peek(contract.SecretsPath(site), (&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil || v == nil {
		return nil, err
	}
	names := make([]string, 0, len(v.Items))
	for k := range v.Items {
		if !contract.IsPlatformKey(k) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return names, nil
}

// CheckSet fails, naming every missing one, unless each declared secret
// has a value. Nomad would otherwise hold the task at its template forever
// waiting for a value that never comes.
func CheckSet(ctx context.Context, nc *nomad.Client, site string, declared []string) error {
	if len(declared) == 0 {
		return nil
	}
	have, err := Names(ctx, nc, site)
	if err != nil {
		return err
	}
	var missing []string
	for _, name := range declared {
		if i := sort.SearchStrings(have, name); i == len(have) || have[i] != name {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return contract.Errorf(contract.Invalid, "site %s declares secrets with no value: %s; set each with `hostctl secret set %s NAME` (the value is read from stdin)",
			site, strings.Join(missing, ", "), site)
	}
	return nil
}

// SetPlatform stores values the platform keeps for the site (its database
// credentials) beside its secrets, under keys sites cannot use
// (contract.IsPlatformKey). An empty value removes the key.
func SetPlatform(ctx context.Context, nc *nomad.Client, site string, values map[string]string) error {
	if err := contract.CheckSiteName(site); err != nil {
		return err
	}
	for k := range values {
		if !contract.IsPlatformKey(k) {
			return fmt.Errorf("%s is not a platform key", k)
		}
	}
	return update(ctx, nc, site, func(items nomad.VariableItems) {
		for k, v := range values {
			if v == "" {
				delete(items, k)
			} else {
				items[k] = v
			}
		}
	})
}

// Platform returns the platform's values for the site (nil if none).
func Platform(ctx context.Context, nc *nomad.Client, site string) (map[string]string, error) {
	if err := contract.CheckSiteName(site); err != nil {
		return nil, err
	}
	v, _, err := nc.Variables().Peek(contract.SecretsPath(site), (&nomad.QueryOptions{}).WithContext(ctx))
	if err != nil || v == nil {
		return nil, err
	}
	out := map[string]string{}
	for k, val := range v.Items {
		if contract.IsPlatformKey(k) {
			out[k] = val
		}
	}
	return out, nil
}
