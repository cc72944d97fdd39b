package contract

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
)

func TestCheckSiteName(t *testing.T) {
	for _, tc := range []struct {
		name string
		want string // "" = valid
	}{
		{"shop", ""},
		{"a", ""},
		{"my-shop-2", ""},
		{strings.Repeat("a", 32), ""},
		{"", "empty"},
		{strings.Repeat("a", 33), "the limit is 32"},
		{"Shop", "lowercase"},
		{"-shop", "lowercase"},
		{"shop-", "lowercase"},
		{"2shop", "lowercase"},
		{"sh_op", "lowercase"},
		{"../etc", "lowercase"},
		{"consul", "reserved"},
		{"root", "reserved"},
	} {
		t.Run(fmt.Sprintf("%q", tc.name), func(t *testing.T) {
			checkCoded(t, CheckSiteName(tc.name), tc.want)
		})
	}
}

func TestCheckProcessName(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"worker", ""},
		{"alloc", "shares between"},
		{"Worker", "lowercase DNS label"},
		{"", "lowercase DNS label"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkCoded(t, CheckProcessName(tc.name), tc.want) })
	}
}

func TestCheckEnvName(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"DEBUG", ""},
		{"django_settings", ""},
		{"LD_PRELOAD", "dynamic loader"},
		{"ld_preload", "dynamic loader"},
		{"GLIBC_TUNABLES", "dynamic loader"},
		{"MALLOC_ARENA_MAX", "dynamic loader"},
		{"GODEBUG", "Go runtime"},
		{"PATH", "set by the launcher"},
		{"HOSTCTL_DATABASE_URL", "set by the platform"},
		{"NOMAD_TOKEN", "set by the platform"},
		{"CONSUL_HTTP_TOKEN", "set by the platform"},
		{"1X", "not a valid"},
		{"A=B", "not a valid"},
		{strings.Repeat("A", 257), "not a valid"},
	} {
		t.Run(tc.name[:min(len(tc.name), 20)], func(t *testing.T) { checkCoded(t, CheckEnvName(tc.name), tc.want) })
	}
}

func checkCoded(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("refused: %v", err)
	case want != "" && err == nil:
		t.Fatalf("accepted; want an error containing %q", want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Fatalf("error %q does not contain %q", err, want)
	case want != "" && ExitCode(err) != int(Invalid):
		t.Fatalf("exit code %d, want %d (Invalid)", ExitCode(err), Invalid)
	}
}

func TestCheckUID(t *testing.T) {
	for _, tc := range []struct {
		uid int
		ok  bool
	}{{0, false}, {1000, false}, {65534, false}, {MinUID - 1, false}, {MinUID, true}, {MaxUID, true}, {MaxUID + 1, false}, {-1, false}} {
		t.Run(fmt.Sprint(tc.uid), func(t *testing.T) {
			if err := CheckUID(tc.uid); (err == nil) != tc.ok {
				t.Fatalf("CheckUID(%d) = %v, want ok=%v", tc.uid, err, tc.ok)
			}
		})
	}
}

type coded struct{}

func (coded) Error() string { return "spec error" }
func (coded) ExitCode() int { return int(Invalid) }

func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"plain", errors.New("boom"), 1},
		{"coded", Errorf(NotFound, "site %q not found", "x"), 4},
		{"wrapped", fmt.Errorf("apply: %w", Errorf(Conflict, "taken")), 5},
		{"with code", WithCode(Unavailable, errors.New("connection refused")), 6},
		{"deadline", fmt.Errorf("waiting: %w", context.DeadlineExceeded), 6},
		{"refused", fmt.Errorf("list jobs: %w", &net.OpError{Op: "dial", Err: errors.New("connection refused")}), 6},
		{"coder", fmt.Errorf("parse: %w", coded{}), 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ExitCode(tc.err); got != tc.want {
				t.Fatalf("ExitCode(%v) = %d, want %d", tc.err, got, tc.want)
			}
		})
	}
	if WithCode(Invalid, nil) != nil {
		t.Fatal("WithCode(nil) is not nil")
	}
}

func TestDatabaseKeysArePlatformKeys(t *testing.T) {
	for name, key := range DatabaseKeys {
		if !IsPlatformKey(key) || IsPlatformKey(name) {
			t.Errorf("%s -> %s: the key must be the platform's and the variable the site's", name, key)
		}
		if CheckEnvName(key) == nil {
			t.Errorf("a site could set %s itself", key)
		}
	}
}
