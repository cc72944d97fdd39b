package cli

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/provisioner/btrfs"
)

func mediaCommand() *cli.Command {
	return &cli.Command{
		Name:  "media",
		Usage: "a site's media store: snapshots, restore, backups",
		Subcommands: []*cli.Command{
			{Name: "snapshot", Usage: "take a read-only, timestamped snapshot", ArgsUsage: "SITE", Action: mediaSnapshot},
			{Name: "list", Usage: "list snapshots", ArgsUsage: "SITE", Flags: []cli.Flag{outputFlag}, Action: mediaList},
			{
				Name: "restore", Usage: "atomically swap a snapshot in as the live store (the replaced state is kept as a snapshot)",
				ArgsUsage: "SITE SNAPSHOT", Action: mediaRestore,
			},
			{
				Name: "send", Usage: "write a snapshot to the backup dir, incremental against the last one sent there",
				ArgsUsage: "SITE [SNAPSHOT]", Action: mediaSend,
			},
			{
				Name: "prune", Usage: "delete snapshots outside the retention policy", ArgsUsage: "SITE",
				Flags: []cli.Flag{
					&cli.IntFlag{Name: "hourly", Value: 24, Usage: "keep the newest snapshot of each of the last N hours"},
					&cli.IntFlag{Name: "daily", Value: 7, Usage: "… of each of the last N days"},
					&cli.IntFlag{Name: "weekly", Value: 4, Usage: "… of each of the last N weeks"},
				},
				Action: mediaPrune,
			},
		},
	}
}

func mediaStore(c *cli.Context) (string, *btrfs.Store, error) {
	site, err := firstSiteArg(c)
	if err != nil {
		return "", nil, err
	}
	nc, err := nomadClient(c)
	if err != nil {
		return "", nil, err
	}
	store, err := provisionerConfig(c).Media(c.Context, nc, site)
	return site, store, err
}

func mediaSnapshot(c *cli.Context) error {
	site, store, err := mediaStore(c)
	if err != nil {
		return err
	}
	snap, err := store.Snapshot(c.Context, site)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "%s\n", snap.Name)
	return nil
}

func mediaList(c *cli.Context) error {
	site, store, err := mediaStore(c)
	if err != nil {
		return err
	}
	snaps, err := store.List(site)
	if err != nil {
		return err
	}
	return printOut(c, snaps, func(w io.Writer) {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SNAPSHOT\tTAKEN")
		for _, s := range snaps {
			fmt.Fprintf(tw, "%s\t%s\n", s.Name, s.Time.Format(time.RFC3339))
		}
		tw.Flush()
	})
}

func mediaRestore(c *cli.Context) error {
	site, store, err := mediaStore(c)
	if err != nil {
		return err
	}
	if c.NArg() != 2 {
		return contract.Errorf(contract.Invalid, "media restore takes SITE SNAPSHOT")
	}
	if err := store.Restore(c.Context, site, c.Args().Get(1)); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "%s's media is now snapshot %s; the replaced state is kept as a snapshot\n", site, c.Args().Get(1))
	return nil
}

func mediaSend(c *cli.Context) error {
	site, store, err := mediaStore(c)
	if err != nil {
		return err
	}
	cfg := provisionerConfig(c)
	if cfg.BackupDir == "" {
		return fmt.Errorf("no backup dir: set HOSTCTL_BACKUP_DIR")
	}
	name := c.Args().Get(1)
	if name == "" {
		snap, err := store.Snapshot(c.Context, site)
		if err != nil {
			return err
		}
		name = snap.Name
	}
	file, err := store.Send(c.Context, site, name, cfg.BackupDir)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.App.Writer, file)
	return nil
}

func mediaPrune(c *cli.Context) error {
	site, store, err := mediaStore(c)
	if err != nil {
		return err
	}
	keep := btrfs.Retention{Hourly: c.Int("hourly"), Daily: c.Int("daily"), Weekly: c.Int("weekly")}
	gone, err := store.Prune(c.Context, site, keep, time.Now())
	if err != nil {
		return err
	}
	for _, name := range gone {
		fmt.Fprintf(c.App.Writer, "deleted %s\n", name)
	}
	return nil
}
