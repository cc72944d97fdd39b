package contract

import (
	"regexp"
	"strings"
)

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// maxEnvName keeps a name to what anyone would type.
const maxEnvName = 256

// Environment variables a site may not set, with why. Sites run through
// the hostctl launcher, which is Go and starts as root, under glibc's
// loader; what those read from the environment before the site's code
// runs is not the site's to choose. Names are compared in upper case:
// Linux names are case-sensitive, but refusing ld_preload too costs
// nothing and reads clearly.
var (
	loaderVars = map[string]bool{
		"GCONV_PATH": true, "GETCONF_DIR": true, "HOSTALIASES": true, "LOCALDOMAIN": true, "LOCPATH": true,
		"NIS_PATH": true, "NLSPATH": true, "RESOLV_HOST_CONF": true, "RES_OPTIONS": true, "TZDIR": true,
		"GLIBC_TUNABLES": true,
	}
	runtimeVars  = map[string]bool{"GODEBUG": true, "GOTRACEBACK": true, "GOGC": true, "GOMAXPROCS": true, "GOMEMLIMIT": true}
	launcherVars = map[string]bool{"PATH": true, "HOME": true, "TMPDIR": true, "VIRTUAL_ENV": true, "PYTHONHOME": true}
)

// CheckSecretName reports why name cannot be a secret: secrets become
// environment variables, so the same rules apply.
func CheckSecretName(name string) error { return CheckEnvName(name) }

// CheckEnvName keeps sites off the variables the platform itself sets and
// off those that change how the loader or the launcher behaves.
func CheckEnvName(name string) error {
	if len(name) > maxEnvName || !envNameRE.MatchString(name) {
		return Errorf(Invalid, "%q is not a valid environment variable name", name)
	}
	up := strings.ToUpper(name)
	switch {
	case strings.HasPrefix(up, "LD_") || strings.HasPrefix(up, "MALLOC_") || loaderVars[up]:
		return Errorf(Invalid, "%s is read by the dynamic loader or the C library; sites may not set loader or runtime variables", name)
	case runtimeVars[up]:
		return Errorf(Invalid, "%s is read by the Go runtime of the launcher; sites may not set loader or runtime variables", name)
	case launcherVars[up]:
		return Errorf(Invalid, "%s is set by the launcher (the site's virtualenv and task directories)", name)
	}
	for _, p := range []string{"NOMAD_", "HOSTCTL_", "CONSUL_"} {
		if strings.HasPrefix(up, p) {
			return Errorf(Invalid, "%q: names starting with %s are set by the platform", name, p)
		}
	}
	return nil
}
