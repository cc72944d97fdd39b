package postgres

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"os/exec"
	"strings"
)

// Dump writes site's database to w in pg_dump's custom format, connecting
// with the admin credentials so everything in the database is readable.
func Dump(ctx context.Context, adminURL, site string, w io.Writer) error {
	if err := checkSite(site); err != nil {
		return err
	}
	return runClient(ctx, "pg_dump", adminURL, site, nil, w, "--format=custom")
}

// Restore loads a Dump into site's existing database, as the site role so
// everything it creates belongs to the site whatever the dump says. It runs
// in one transaction: a restore that fails leaves the database as it was.
// Objects in the database but not in the dump are left alone.
func Restore(ctx context.Context, adminURL, site string, r io.Reader) error {
	if err := checkSite(site); err != nil {
		return err
	}
	return runClient(ctx, "pg_restore", adminURL, site, r, io.Discard,
		"--clean", "--if-exists", "--no-owner", "--role="+site,
		"--single-transaction", "--exit-on-error")
}

// runClient execs a libpq client against site's database. The password
// moves from the URL to PGPASSWORD because argv is world-readable in /proc
// and the environment is not.
func runClient(ctx context.Context, tool, adminURL, site string, stdin io.Reader, stdout io.Writer, args ...string) error {
	target, password, err := siteTarget(adminURL, site)
	if err != nil {
		return err
	}
	bin, err := binary(tool)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, append(args, "--dbname="+target)...)
	cmd.Env = []string{
		"PATH=/usr/bin:/bin",
		"LC_ALL=C",
		"PGPASSWORD=" + password,
		"PGCONNECT_TIMEOUT=15",
		"PGAPPNAME=hostctl-" + tool,
	}
	cmd.Stdin = stdin
	cmd.Stdout = stdout
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s of %s: %w: %s", tool, site, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// siteTarget points the admin URL at site's database. Only URL-form
// connection strings are accepted: key=value strings would need a second
// parser to rewrite safely.
func siteTarget(adminURL, site string) (target, password string, err error) {
	u, err := url.Parse(adminURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", "", fmt.Errorf("admin URL must be a postgres:// URL")
	}
	if u.User != nil {
		password, _ = u.User.Password()
		u.User = url.User(u.User.Username())
	}
	u.Path = "/" + site
	u.RawPath = ""
	return u.String(), password, nil
}
