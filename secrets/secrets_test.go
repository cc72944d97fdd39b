package secrets

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestSecretsKeepValuesOutOfSight(t *testing.T) {
	nc := testkit.NomadServer(t)
	ctx := context.Background()
	const site = "vault"
	for name, value := range map[string]string{"API_TOKEN": "t0k", "SMTP_PASSWORD": "pw"} {
		if err := Set(ctx, nc, site, name, value); err != nil {
			t.Fatal(err)
		}
	}
	if err := SetPlatform(ctx, nc, site, map[string]string{contract.DatabaseKeys["PGPASSWORD"]: "db-pw"}); err != nil {
		t.Fatal(err)
	}
	names, err := Names(ctx, nc, site)
	if err != nil || !slices.Equal(names, []string{"API_TOKEN", "SMTP_PASSWORD"}) {
		t.Fatalf("Names = %v, %v: want the site's own names only, sorted", names, err)
	}
	platform, err := Platform(ctx, nc, site)
	if err != nil || platform[contract.DatabaseKeys["PGPASSWORD"]] != "db-pw" || platform["API_TOKEN"] != "" {
		t.Fatalf("Platform = %v, %v: want the platform's keys only", platform, err)
	}
	if err := Unset(ctx, nc, site, "SMTP_PASSWORD"); err != nil {
		t.Fatal(err)
	}
	v, _, err := nc.Variables().Peek(contract.SecretsPath(site), nil)
	if err != nil || v.Items["API_TOKEN"] != "t0k" || v.Items["SMTP_PASSWORD"] != "" || v.Items[contract.DatabaseKeys["PGPASSWORD"]] != "db-pw" {
		t.Fatalf("after unset: %v, %v", v, err)
	}
}

func TestCheckSetNamesWhatIsMissing(t *testing.T) {
	nc := testkit.NomadServer(t)
	ctx := context.Background()
	if err := Set(ctx, nc, "half", "SET_ONE", "x"); err != nil {
		t.Fatal(err)
	}
	if err := CheckSet(ctx, nc, "half", []string{"SET_ONE"}); err != nil {
		t.Fatalf("every declared secret is set: %v", err)
	}
	err := CheckSet(ctx, nc, "half", []string{"SET_ONE", "MISSING"})
	if err == nil || !strings.Contains(err.Error(), "MISSING") || contract.ExitCode(err) != int(contract.Invalid) {
		t.Fatalf("CheckSet = %v: want an invalid-input error naming MISSING", err)
	}
}

// A site's secret may not take a platform key's name, nor a name the
// loader or the launcher reads: it would override what the platform set.
func TestRefusedNames(t *testing.T) {
	for _, tc := range []struct{ site, name string }{
		{"vault", contract.DatabaseKeys["PGPASSWORD"]},
		{"vault", "LD_PRELOAD"},
		{"vault", "PATH"},
		{"vault", "has space"},
		{"../x", "FINE"},
	} {
		t.Run(tc.site+"/"+tc.name, func(t *testing.T) {
			// No server: the name must be refused before any request.
			if err := Set(context.Background(), nil, tc.site, tc.name, "v"); contract.ExitCode(err) != int(contract.Invalid) {
				t.Errorf("Set(%q, %q) = %v, want an invalid-input error", tc.site, tc.name, err)
			}
		})
	}
}
