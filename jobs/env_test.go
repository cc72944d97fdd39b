package jobs

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/hostctl/hostctl/contract"
)

func TestCheckEnvName(t *testing.T) {
	cases := []struct {
		name string
		want string // "" accepts; otherwise a substring of the error
	}{
		{"DJANGO_SETTINGS_MODULE", ""},
		{"api_key", ""},
		{"LDAP_URL", ""},
		{"PATHS", ""},
		{"LD_PRELOAD", "dynamic loader"},
		{"ld_preload", "dynamic loader"},
		{"LD_LIBRARY_PATH", "dynamic loader"},
		{"LD_AUDIT", "dynamic loader"},
		{"MALLOC_CHECK_", "dynamic loader"},
		{"GLIBC_TUNABLES", "dynamic loader"},
		{"GCONV_PATH", "dynamic loader"},
		{"HOSTALIASES", "dynamic loader"},
		{"RES_OPTIONS", "dynamic loader"},
		{"TZDIR", "dynamic loader"},
		{"GODEBUG", "Go runtime"},
		{"GOMAXPROCS", "Go runtime"},
		{"GOMEMLIMIT", "Go runtime"},
		{"PATH", "set by the launcher"},
		{"HOME", "set by the launcher"},
		{"TMPDIR", "set by the launcher"},
		{"VIRTUAL_ENV", "set by the launcher"},
		{"PythonHome", "set by the launcher"},
		{"NOMAD_TOKEN", "set by the platform"},
		{"consul_http_token", "set by the platform"},
		{"HOSTCTL_SITE", "set by the platform"},
		// What the launcher serves as static files: a site naming it could
		// point its static server anywhere the site may read.
		{"HOSTCTL_STATIC", "set by the platform"},
		{"1X", "not a valid"},
		{"A-B", "not a valid"},
		{"A=B", "not a valid"},
		{strings.Repeat("A", 300), "not a valid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, check := range []func(string) error{contract.CheckEnvName, contract.CheckSecretName} {
				err := check(c.name)
				checkErr(t, err, c.want)
			}
		})
	}
}

// Numbers reach the environment as decimals: bounded, so that one cannot
// be 100 MB of digits.
func TestCtyStringNumbers(t *testing.T) {
	cases := []struct {
		in   string
		want string // the rendering, or a substring of the error after "!"
	}{
		{"3", "3"},
		{"-42", "-42"},
		{"0.25", "0.25"},
		{"1e63", "1" + strings.Repeat("0", 63)},
		{"1e64", "!below 1e64"},
		{"-1e70", "!below 1e64"},
		{"1e-20", "!above 1e-16"},
		{"0", "0"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ctyString(cty.MustParseNumberVal(c.in))
			if want, isErr := strings.CutPrefix(c.want, "!"); isErr {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("ctyString = %q, %v; want an error with %q", got, err, want)
				}
			} else if err != nil || got != c.want {
				t.Errorf("ctyString = %q, %v; want %q", got, err, c.want)
			}
		})
	}
	third, err := ctyString(cty.MustParseNumberVal("1").Divide(cty.MustParseNumberVal("3")))
	if err == nil {
		t.Errorf("1/3 rendered as %q; it has no short decimal form", third)
	}
}
