package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// RotatePassword gives the site role a new password and returns it. Open
// sessions keep working until they reconnect; that is Postgres's rule.
// Instances still holding the old password then cannot connect, so a
// running site should rotate with RotateLogin and RetireLogin instead.
func (a *Admin) RotatePassword(ctx context.Context, site string) (string, error) {
	if err := checkSite(site); err != nil {
		return "", err
	}
	var password string
	err := a.siteConn(ctx, site, func(conn *pgxpool.Conn) error {
		role, err := lookupRole(ctx, conn, site)
		if err != nil {
			return err
		}
		if role == nil {
			return fmt.Errorf("role %s does not exist", site)
		}
		if err := role.checkManageable(site); err != nil {
			return err
		}
		if err := usingSCRAM(ctx, conn); err != nil {
			return err
		}
		password = NewPassword()
		pw, err := setPasswordSQL(conn, password)
		if err != nil {
			return err
		}
		if _, err := conn.Exec(ctx, "ALTER ROLE "+ident(site)+" "+pw); err != nil {
			return fmt.Errorf("set password for %s: %w", site, err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return password, nil
}
