package postgres

import (
	"net"
	"net/url"
	"strconv"
)

// URL builds the DATABASE_URL a site receives. net/url does the escaping so
// any password or database name survives the round trip through a URL
// parser (psycopg, SQLAlchemy, pgx all parse it the same way).
func URL(host string, port int, cred Credentials) string {
	u := url.URL{
		Scheme: "postgres",
		Host:   net.JoinHostPort(host, strconv.Itoa(port)),
		Path:   "/" + cred.Database,
		// Without RawPath a '/' in a database name would read as a path
		// separator; PathEscape keeps the name one segment.
		RawPath: "/" + url.PathEscape(cred.Database),
	}
	if cred.Password != "" {
		u.User = url.UserPassword(cred.Role, cred.Password)
	} else {
		u.User = url.User(cred.Role)
	}
	return u.String()
}
