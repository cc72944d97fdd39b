package accounts

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// Each test uses site names of its own: the server is shared, and uids
// are handed out from one pool.
func TestUIDIsStableAndNeverShared(t *testing.T) {
	nc := testkit.NomadServer(t)
	ctx := context.Background()
	first, err := UID(ctx, nc, "stable-a")
	if err != nil {
		t.Fatal(err)
	}
	if err := contract.CheckUID(first); err != nil {
		t.Fatalf("uid %d: %v", first, err)
	}
	again, err := UID(ctx, nc, "stable-a")
	if err != nil || again != first {
		t.Fatalf("second UID = %d, %v; want %d", again, err, first)
	}
	peek, err := Peek(ctx, nc, "stable-b")
	if err != nil {
		t.Fatal(err)
	}
	other, err := UID(ctx, nc, "stable-b")
	if err != nil || other == first || other != peek {
		t.Fatalf("stable-b got %d (peeked %d), stable-a has %d", other, peek, first)
	}
}

func TestPeekAssignsNothing(t *testing.T) {
	nc := testkit.NomadServer(t)
	ctx := context.Background()
	a, err := Peek(ctx, nc, "peek-a")
	if err != nil {
		t.Fatal(err)
	}
	// Had the peek taken the uid, another site could not be offered it.
	b, err := Peek(ctx, nc, "peek-b")
	if err != nil || a != b {
		t.Fatalf("peeks %d and %d (%v): a peek assigned a uid", a, b, err)
	}
	if v, _, err := nc.Variables().Peek(contract.AccountPath("peek-a"), nil); err != nil || v != nil {
		t.Fatalf("a peek wrote %v (%v)", v, err)
	}
}

// Two applies at once must never hand out one uid twice, nor give one
// site two: both are written create-only.
func TestConcurrentAppliesNeverShareAUID(t *testing.T) {
	nc := testkit.NomadServer(t)
	ctx := context.Background()
	const sites, perSite = 6, 3
	got := make([][]int, sites)
	errs := make(chan error, sites*perSite)
	var wg sync.WaitGroup
	for s := range sites {
		got[s] = make([]int, perSite)
		for k := range perSite {
			wg.Add(1)
			go func() {
				defer wg.Done()
				uid, err := UID(ctx, nc, fmt.Sprintf("race-%d", s))
				got[s][k] = uid
				errs <- err
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	owner := map[int]int{}
	for s, uids := range got {
		for _, uid := range uids {
			if uid != uids[0] {
				t.Errorf("site race-%d got two uids: %v", s, uids)
			}
		}
		if o, taken := owner[uids[0]]; taken {
			t.Errorf("uid %d given to race-%d and race-%d", uids[0], o, s)
		}
		owner[uids[0]] = s
	}
}

func TestBadNamesReachNothing(t *testing.T) {
	for _, name := range []string{"", "../x", "Root", "consul"} {
		t.Run(fmt.Sprintf("%q", name), func(t *testing.T) {
			// No server: a bad name must fail before any request.
			if _, err := UID(context.Background(), nil, name); contract.ExitCode(err) != int(contract.Invalid) {
				t.Errorf("UID(%q) = %v, want an invalid-input error", name, err)
			}
		})
	}
}

// A Book gives consecutive uids without listing, and when another apply
// took the uid it would try, it lists and still never shares one.
func TestBookSkipsWhatOthersTook(t *testing.T) {
	nc := testkit.NomadServer(t)
	ctx := context.Background()
	mine, theirs := NewBook(nc), NewBook(nc)
	// Far from what the package's other tests assign (they leave gaps).
	mine.next = contract.MaxUID - 100
	a, err := mine.UID(ctx, "book-a")
	if err != nil || a != contract.MaxUID-100 {
		t.Fatalf("first uid %d (%v)", a, err)
	}
	b, err := mine.UID(ctx, "book-b")
	if err != nil || b != a+1 {
		t.Fatalf("second uid %d (%v), want %d", b, err, a+1)
	}
	// Another apply takes the uid mine would try next.
	theirs.next = b + 1
	c, err := theirs.UID(ctx, "book-c")
	if err != nil || c != b+1 {
		t.Fatalf("the other book's uid %d (%v), want %d", c, err, b+1)
	}
	d, err := mine.UID(ctx, "book-d")
	if err != nil || d == c || d == a || d == b {
		t.Fatalf("after a conflict: %d (%v); taken: %d %d %d", d, err, a, b, c)
	}
	for site, want := range map[string]int{"book-a": a, "book-b": b, "book-c": c, "book-d": d} {
		if got, err := Peek(ctx, nc, site); err != nil || got != want {
			t.Errorf("%s: %d %v, want %d", site, got, err, want)
		}
	}
}
