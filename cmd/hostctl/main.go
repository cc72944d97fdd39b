// Command hostctl is the hostctl control plane's single binary.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	hostcli "github.com/hostctl/hostctl/cli"
	"github.com/hostctl/hostctl/contract"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	app := hostcli.NewApp()
	app.ExitErrHandler = func(*cli.Context, error) {} // main decides the exit code
	if err := app.RunContext(ctx, os.Args); err != nil {
		if ec, ok := err.(cli.ExitCoder); ok {
			if msg := err.Error(); msg != "" {
				fmt.Fprintln(os.Stderr, msg)
			}
			os.Exit(ec.ExitCode())
		}
		fmt.Fprintln(os.Stderr, "hostctl:", err)
		os.Exit(contract.ExitCode(err))
	}
}
