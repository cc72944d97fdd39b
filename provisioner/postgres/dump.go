package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Dump writes site's database to w in pg_dump's custom format, connecting
// with the admin credentials so everything in the database is readable,
// whichever of the site's roles made it. Reading a hostile database as
// superuser is safe as far as pg_dump is: it empties search_path and, since
// 15.8 (and the same-month releases of other majors), turns on
// restrict_nonsystem_relation_kind so that a table the site swaps for a
// view mid-dump cannot run the site's code as the superuser
// (CVE-2024-7348); both client and server need that release. Its output is
// an archive handed to w, never executed on this machine.
func Dump(ctx context.Context, adminURL, site string, w io.Writer) error {
	if err := checkSite(site); err != nil {
		return err
	}
	target, password, err := adminTarget(adminURL, site)
	if err != nil {
		return err
	}
	return runClient(ctx, "pg_dump", site, target, password, nil, w, "--format=custom")
}

// restoreFlags load an archive the site may have crafted. What bounds it is
// the login pg_restore runs as, the site's own, not these flags: a
// statement in the archive can do exactly what the site's code can.
//
//   - No --role: with it pg_restore ran as the superuser and merely SET
//     ROLE to the site, and an archive saying RESET ROLE (directly, or in a
//     function a CHECK constraint calls while rows are loaded) was then
//     superuser.
//   - --no-owner: everything restored belongs to the role restoring it;
//     ALTER ... OWNER TO another tenant's role would fail anyway.
//   - --no-privileges: an archive's GRANTs name roles of the server it came
//     from; here those names may be other tenants, so restored objects keep
//     their default privileges (the site role owns them, its alternate
//     login inherits) rather than being shared with whoever has that name.
//   - --no-subscriptions: a subscription makes the server connect out to a
//     host the archive names. Creating one needs privileges no site has,
//     so this only keeps such an archive from failing the whole restore.
//   - Extensions: CREATE EXTENSION works for a non-superuser only for those
//     marked trusted, whose scripts Postgres vets, which the site could
//     create itself; anything else fails the restore. Large objects are
//     made in the site's database and owned by it; reading or writing
//     server files through them (lo_import, lo_export) needs superuser.
//   - --single-transaction and --exit-on-error: a restore that fails
//     leaves the database as it was.
var restoreFlags = []string{
	"--clean", "--if-exists", "--no-owner", "--no-privileges", "--no-subscriptions",
	"--single-transaction", "--exit-on-error",
}

// Restore loads a Dump, or any custom-format archive the site hands over,
// into site's existing database. It connects as login, the site's own
// current login and password (the ones its instances use), so nothing in
// the archive can do more than the site itself could; the admin connection
// only checks that login is one of the site's two roles, managed by
// hostctl, without privileges a site must not have, and able to log in,
// and holds the site's lock so a rotation or DropSite cannot retire the
// login halfway. The admin URL gives the server's address and transport
// settings, never the identity. Objects in the database but not in the
// archive are left alone.
//
// The session counts against the site's connection limit, and the server
// must accept the site's role from where this runs (pg_hba.conf).
func (a *Admin) Restore(ctx context.Context, site string, login Credentials, r io.Reader) error {
	if _, err := otherLogin(site, login.Role); err != nil {
		return err
	}
	if login.Database != "" && login.Database != site {
		return fmt.Errorf("credentials are for database %q, not %s", login.Database, site)
	}
	if login.Password == "" {
		return fmt.Errorf("no password for %s: restore needs the site's current login credentials", login.Role)
	}
	target, err := loginTarget(a.pool.Config().ConnString(), site, login.Role)
	if err != nil {
		return err
	}
	return a.siteConn(ctx, site, func(conn *pgxpool.Conn) error {
		role, err := lookupLogin(ctx, conn, site, login.Role)
		if err != nil {
			return err
		}
		if role == nil {
			return fmt.Errorf("role %s does not exist", login.Role)
		}
		if !role.canLogin || !role.hasPassword {
			return fmt.Errorf("%s cannot log in (retired by a rotation?); restore needs the site's current login", login.Role)
		}
		return runClient(ctx, "pg_restore", site, target, login.Password, r, io.Discard, restoreFlags...)
	})
}

// runClient execs a libpq client against target. The password travels in
// PGPASSWORD because argv is world-readable in /proc and the environment is
// not; the rest of the environment is replaced so nothing of ours (PGUSER,
// PGSERVICE, PGOPTIONS) can change whom it connects as or how.
func runClient(ctx context.Context, tool, site, target, password string, stdin io.Reader, stdout io.Writer, args ...string) error {
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
		return fmt.Errorf("%s of %s: %w: %s", tool, site, err, printable(strings.TrimSpace(stderr.String())))
	}
	return nil
}

// printable escapes what a client's messages must not carry to the
// operator's terminal. pg_restore echoes the archive's statements and the
// server's errors, whose text the site chose: an escape sequence there
// could retitle the window, hide lines or, on some terminals, answer back.
// Only newlines and tabs stay as they are.
func printable(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[0])
		case r == '\n' || r == '\t' || unicode.IsPrint(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		}
		s = s[size:]
	}
	return b.String()
}

// adminTarget points the admin URL at site's database, keeping its user.
// Only URL-form connection strings are accepted: key=value strings would
// need a second parser to rewrite safely.
func adminTarget(adminURL, site string) (target, password string, err error) {
	u, err := parseServerURL(adminURL)
	if err != nil {
		return "", "", err
	}
	if u.User != nil {
		password, _ = u.User.Password()
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	q.Del("dbname") // it would override the path and dump another database
	u.RawQuery = q.Encode()
	return withDatabase(u, site), password, nil
}

// identityParams are the connection parameters that could make libpq log
// in as someone other than the URL's user, or somewhere other than its
// database: libpq lets a query parameter override the user and password
// written before the host, so an admin URL with ?user=postgres&password=…
// would otherwise turn a site's restore back into a superuser's.
var identityParams = []string{"user", "password", "passfile", "service", "servicefile", "dbname"}

// loginTarget keeps the admin URL's address and transport settings (TLS
// above all) and replaces who connects to what.
func loginTarget(serverURL, site, role string) (string, error) {
	u, err := parseServerURL(serverURL)
	if err != nil {
		return "", err
	}
	u.User = url.User(role)
	q := u.Query()
	for _, p := range identityParams {
		q.Del(p)
	}
	u.RawQuery = q.Encode()
	return withDatabase(u, site), nil
}

func parseServerURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, errors.New("admin URL must be a postgres:// URL")
	}
	return u, nil
}

func withDatabase(u *url.URL, db string) string {
	u.Path = "/" + db
	u.RawPath = ""
	return u.String()
}
