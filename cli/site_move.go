package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/nodes"
)

func siteMoveCommand() *cli.Command {
	return &cli.Command{
		Name: "move",
		Usage: "move a site with media to NODE (a Nomad node name or ID prefix): its files are copied while it serves, " +
			"then it stops for a last short copy and starts on NODE; the old store is deleted once it is healthy there",
		ArgsUsage: "SITE NODE",
		Flags: []cli.Flag{
			&cli.DurationFlag{Name: "timeout", Value: 30 * time.Minute, Usage: "give up (and start the site again where it was) after this long"},
			outputFlag,
		},
		Action: siteMove,
	}
}

func siteMove(c *cli.Context) error {
	if c.NArg() != 2 {
		return contract.Errorf(contract.Invalid, "move takes SITE NODE")
	}
	site, err := firstSiteArg(c)
	if err != nil {
		return err
	}
	nc, err := nomadClient(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
	defer cancel()
	node, root, err := nodes.MediaStore(ctx, nc, c.Args().Get(1))
	if err != nil {
		return err
	}
	ops, err := siteService(c)
	if err != nil {
		return err
	}
	if c.String("output") == "json" {
		ops.Out = c.App.ErrWriter // progress must not break the JSON
	}
	moved, err := ops.Move(ctx, site, root)
	if err != nil {
		return err
	}
	return printOut(c, moved, func(w io.Writer) {
		fmt.Fprintf(w, "%s moved to node %s (%s): down %s\n", site, node.Name, root, moved.Downtime.Round(time.Millisecond))
		for i, s := range moved.Sends {
			kind := "full"
			if s.Parent != "" {
				kind = "incremental"
			}
			fmt.Fprintf(w, "  send %d: %s, %d bytes, %s\n", i+1, kind, s.Bytes, s.Took.Round(time.Millisecond))
		}
	})
}
