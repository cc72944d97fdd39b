package cli

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/provisioner/postgres"
)

func dbCommand() *cli.Command {
	return &cli.Command{
		Name:  "db",
		Usage: "a site's Postgres database: rotate its password, dump, restore, open psql",
		Subcommands: []*cli.Command{
			{
				Name:      "rotate",
				Usage:     "give the site new database credentials and roll its instances onto them, without downtime",
				ArgsUsage: "SITE",
				Action:    dbRotate,
			},
			{
				Name:      "dump",
				Usage:     "write the site's database (pg_dump custom format) to a file, or stdout",
				ArgsUsage: "SITE",
				Flags:     []cli.Flag{&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "output file (default stdout)"}},
				Action:    dbDump,
			},
			{
				Name:      "restore",
				Usage:     "load a dump into the site's database, in one transaction, logged in as the site itself",
				ArgsUsage: "SITE",
				Flags:     []cli.Flag{&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "dump file (default stdin)"}},
				Action:    dbRestore,
			},
			{
				Name:      "shell",
				Usage:     "open psql as the site's own role (what the site can do, nothing more)",
				ArgsUsage: "SITE [-- PSQL ARGS]",
				Action:    dbShell,
			},
		},
	}
}

// firstSiteArg is the SITE of commands that take further arguments after it.
func firstSiteArg(c *cli.Context) (string, error) {
	if c.NArg() < 1 {
		return "", contract.Errorf(contract.Invalid, "%s needs a SITE", c.Command.FullName())
	}
	site := c.Args().First()
	return site, contract.CheckSiteName(site)
}

func dbRotate(c *cli.Context) error {
	site, err := firstSiteArg(c)
	if err != nil {
		return err
	}
	ops, err := siteService(c)
	if err != nil {
		return err
	}
	return ops.RotateDB(c.Context, site)
}

func dbDump(c *cli.Context) error {
	site, err := firstSiteArg(c)
	if err != nil {
		return err
	}
	cfg := provisionerConfig(c)
	w := io.Writer(c.App.Writer)
	if f := c.String("file"); f != "" {
		file, err := os.OpenFile(f, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		defer file.Close()
		w = file
	}
	return postgres.Dump(c.Context, cfg.PGAdminURL, site, w)
}

func dbRestore(c *cli.Context) error {
	site, err := firstSiteArg(c)
	if err != nil {
		return err
	}
	r := io.Reader(os.Stdin)
	if f := c.String("file"); f != "" {
		file, err := os.Open(f)
		if err != nil {
			return err
		}
		defer file.Close()
		r = file
	}
	nc, err := nomadClient(c)
	if err != nil {
		return err
	}
	// The site's own credentials, not the admin's: the dump may be the
	// site's work, and must not run with more rights than the site has.
	if err := provisionerConfig(c).Restore(c.Context, nc, site, r); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "restored %s's database at %s\n", site, time.Now().UTC().Format(time.RFC3339))
	return nil
}

// dbShell runs psql as the site's own role.
func dbShell(c *cli.Context) error {
	site, err := firstSiteArg(c)
	if err != nil {
		return err
	}
	ops, err := siteService(c)
	if err != nil {
		return err
	}
	env, err := ops.PsqlEnv(c.Context, site)
	if err != nil {
		return err
	}
	psql, err := exec.LookPath("psql")
	if err != nil {
		return fmt.Errorf("psql is not installed (Debian: postgresql-client): %w", err)
	}
	cmd := exec.CommandContext(c.Context, psql, c.Args().Tail()...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, c.App.Writer, c.App.ErrWriter
	return cmd.Run()
}
