package postgres_test

import (
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hostctl/hostctl/provisioner/postgres"
)

func TestURLEscapesEverything(t *testing.T) {
	cred := postgres.Credentials{Role: "shop", Database: "sh op/x", Password: "p@ss:w/rd?#% &'\""}
	for _, host := range []string{"db.internal", "::1"} {
		s := postgres.URL(host, 5433, cred)
		u, err := url.Parse(s)
		if err != nil {
			t.Fatalf("URL(%s) = %q does not parse: %v", host, s, err)
		}
		pw, _ := u.User.Password()
		if u.Scheme != "postgres" || u.Hostname() != host || u.Port() != "5433" ||
			u.User.Username() != "shop" || pw != cred.Password {
			t.Errorf("URL(%s) = %q parsed back as %v", host, s, u)
		}
		// pgx stands in for every libpq-style consumer of DATABASE_URL.
		cfg, err := pgx.ParseConfig(s)
		if err != nil {
			t.Fatalf("pgx cannot parse %q: %v", s, err)
		}
		if cfg.Password != cred.Password || cfg.Database != cred.Database || cfg.Host != host || cfg.Port != 5433 {
			t.Errorf("pgx read %q as password=%q database=%q host=%q port=%d",
				s, cfg.Password, cfg.Database, cfg.Host, cfg.Port)
		}
	}
}

func TestURLWithoutPasswordHasNoColon(t *testing.T) {
	s := postgres.URL("h", 1, postgres.Credentials{Role: "r", Database: "d"})
	if s != "postgres://r@h:1/d" {
		t.Errorf("URL = %q", s)
	}
}
