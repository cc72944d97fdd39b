// Package accounts gives every site a stable Unix uid of its own. The
// uid is what keeps sites apart on a shared node (file ownership, process
// signalling, /proc), so two sites must never share one, and a site must
// keep its uid across deploys and nodes because its files (media, task
// data) are owned by it.
//
// Assignments live in Nomad Variables, which every operator's CLI and
// every node already trusts: hostctl/sites/<site>/account names the uid,
// and hostctl/uids/<uid> names the site. Both are written create-only
// (check-and-set index 0), so two concurrent applies can never hand out
// the same uid or give one site two.
package accounts

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
)

// UID returns the site's uid, assigning the lowest free one on first use.
func UID(ctx context.Context, nc *nomad.Client, site string) (int, error) {
	return NewBook(nc).UID(ctx, site)
}

// Book assigns uids for one process (one `site apply` of many sites): the
// first new site gets the lowest free uid, found by listing every
// assignment; the next ones try the uid after the last this book gave
// before listing again. Listing 10,000 assignments per new site made
// registering the ten-thousandth site cost a 1.5 MB read.
type Book struct {
	nc   *nomad.Client
	mu   sync.Mutex
	next int // 0: list first
}

// NewBook is a Book on nc's Variables.
func NewBook(nc *nomad.Client) *Book { return &Book{nc: nc} }

// UID returns the site's uid, assigning one on first use.
func (b *Book) UID(ctx context.Context, site string) (int, error) {
	if err := contract.CheckSiteName(site); err != nil {
		return 0, err
	}
	vars := b.nc.Variables()
	q := (&nomad.QueryOptions{}).WithContext(ctx)
	w := (&nomad.WriteOptions{}).WithContext(ctx)
	for attempt := 0; attempt < 20; attempt++ {
		if uid, ok, err := lookup(vars, site, q); err != nil || ok {
			return uid, err
		}
		uid, err := b.candidate(vars, q, attempt)
		if err != nil {
			return 0, err
		}
		reserve := &nomad.Variable{Path: contract.UIDPath(strconv.Itoa(uid)), Items: nomad.VariableItems{"site": site}}
		if _, _, err := vars.CheckedCreate(reserve, w); err != nil {
			if isConflict(err) {
				continue // someone took that uid first; look again
			}
			return 0, err
		}
		claim := &nomad.Variable{Path: contract.AccountPath(site), Items: nomad.VariableItems{"uid": strconv.Itoa(uid)}}
		if _, _, err := vars.CheckedCreate(claim, w); err != nil {
			// Another apply of this same site won: give the uid back and
			// use the one it recorded.
			_, _ = vars.Delete(reserve.Path, w)
			if isConflict(err) {
				continue
			}
			return 0, err
		}
		b.mu.Lock()
		b.next = uid + 1
		b.mu.Unlock()
		return uid, nil
	}
	return 0, fmt.Errorf("could not assign a uid to %s: too much contention", site)
}

// candidate is the uid to try: the one after this book's last, on a first
// attempt, else the lowest free one.
func (b *Book) candidate(vars *nomad.Variables, q *nomad.QueryOptions, attempt int) (int, error) {
	b.mu.Lock()
	next := b.next
	b.mu.Unlock()
	if attempt == 0 && next > 0 && contract.CheckUID(next) == nil {
		return next, nil
	}
	return lowestFree(vars, q)
}

// Peek returns the site's uid if it has one, or the lowest free uid it
// would get, without assigning anything: for plans.
func Peek(ctx context.Context, nc *nomad.Client, site string) (int, error) {
	if err := contract.CheckSiteName(site); err != nil {
		return 0, err
	}
	q := (&nomad.QueryOptions{}).WithContext(ctx)
	if uid, ok, err := lookup(nc.Variables(), site, q); err != nil || ok {
		return uid, err
	}
	return lowestFree(nc.Variables(), q)
}

func lookup(vars *nomad.Variables, site string, q *nomad.QueryOptions) (int, bool, error) {
	v, _, err := vars.Peek(contract.AccountPath(site), q)
	if err != nil || v == nil {
		return 0, false, err
	}
	uid, err := strconv.Atoi(v.Items["uid"])
	if err == nil {
		err = contract.CheckUID(uid)
	}
	if err != nil {
		return 0, false, fmt.Errorf("%s holds a bad uid %q: %w", contract.AccountPath(site), v.Items["uid"], err)
	}
	return uid, true, nil
}

func lowestFree(vars *nomad.Variables, q *nomad.QueryOptions) (int, error) {
	list, _, err := vars.PrefixList(contract.UIDPrefix, q)
	if err != nil {
		return 0, err
	}
	used := make(map[int]bool, len(list))
	for _, m := range list {
		if n, err := strconv.Atoi(strings.TrimPrefix(m.Path, contract.UIDPrefix)); err == nil {
			used[n] = true
		}
	}
	for uid := contract.MinUID; uid <= contract.MaxUID; uid++ {
		if !used[uid] {
			return uid, nil
		}
	}
	return 0, errors.New("every site uid is taken")
}

func isConflict(err error) bool {
	var cas nomad.ErrCASConflict
	return errors.As(err, &cas)
}
