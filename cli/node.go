package cli

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	nomad "github.com/hashicorp/nomad/api"
	"github.com/urfave/cli/v2"

	"github.com/hostctl/hostctl/contract"
	"github.com/hostctl/hostctl/nodes"
)

func nodeCommand() *cli.Command {
	return &cli.Command{
		Name:  "node",
		Usage: "the machines sites run on: list them, drain one before maintenance, undrain it after",
		Subcommands: []*cli.Command{
			{
				Name:   "list",
				Usage:  "every Nomad client: status, eligibility, drain, running instances, media store",
				Flags:  []cli.Flag{outputFlag},
				Action: nodeList,
			},
			{
				Name: "drain",
				Usage: "stop placing instances on NODE (a name or ID prefix) and move its instances elsewhere, " +
					"one at a time, each replaced before the next moves; waits until done unless --detach",
				ArgsUsage: "NODE",
				Flags: []cli.Flag{
					&cli.DurationFlag{Name: "deadline", Value: time.Hour, Usage: "after this, instances still there are stopped"},
					&cli.BoolFlag{Name: "detach", Usage: "return once the drain has started"},
				},
				Action: nodeDrain,
			},
			{
				Name:      "undrain",
				Usage:     "end a drain and let NODE take instances again",
				ArgsUsage: "NODE",
				Action:    nodeUndrain,
			},
		},
	}
}

func nodeList(c *cli.Context) error {
	nc, err := nomadClient(c)
	if err != nil {
		return err
	}
	all, err := nodes.List(c.Context, nc)
	if err != nil {
		return err
	}
	return printOut(c, all, func(w io.Writer) {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tID\tADDRESS\tSTATUS\tELIGIBILITY\tDRAINING\tINSTANCES\tMEDIA")
		for _, n := range all {
			fmt.Fprintf(tw, "%s\t%.8s\t%s\t%s\t%s\t%v\t%d\t%s\n", n.Name, n.ID, n.Address, n.Status, n.Eligibility, n.Draining, n.Allocs, n.MediaRoot)
		}
		tw.Flush()
	})
}

func nodeDrain(c *cli.Context) error {
	nc, n, err := oneNode(c)
	if err != nil {
		return err
	}
	ctx := c.Context
	if !c.Bool("detach") {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Duration("deadline")+time.Minute)
		defer cancel()
	}
	if err := nodes.Drain(ctx, nc, n, c.Duration("deadline"), !c.Bool("detach"), c.App.Writer); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "node %s drained\n", n.Name)
	return nil
}

func nodeUndrain(c *cli.Context) error {
	nc, n, err := oneNode(c)
	if err != nil {
		return err
	}
	if err := nodes.Undrain(c.Context, nc, n); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "node %s is eligible again\n", n.Name)
	return nil
}

func oneNode(c *cli.Context) (*nomad.Client, nodes.Node, error) {
	if c.NArg() != 1 {
		return nil, nodes.Node{}, contract.Errorf(contract.Invalid, "%s takes one NODE (a name or ID prefix)", c.Command.Name)
	}
	nc, err := nomadClient(c)
	if err != nil {
		return nil, nodes.Node{}, err
	}
	n, err := nodes.Resolve(c.Context, nc, c.Args().First())
	if err != nil {
		return nil, nodes.Node{}, err
	}
	return nc, n, nil
}
