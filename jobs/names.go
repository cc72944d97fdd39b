package jobs

import (
	"fmt"
	"regexp"
)

var wsgiRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*(:[A-Za-z_][A-Za-z0-9_]*)?$`)

// maxWSGI keeps the target to what a Python dotted path plausibly is.
const maxWSGI = 256

// CheckWSGI reports why s is not a gunicorn "module:callable" target.
func CheckWSGI(s string) error {
	if len(s) > maxWSGI || !wsgiRE.MatchString(s) {
		return fmt.Errorf("wsgi %q must look like \"package.module:callable\"", s)
	}
	return nil
}
