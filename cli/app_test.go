package cli

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/hostctl/hostctl/contract"
)

// run runs hostctl in-process against a Nomad address nothing listens
// on: a command that reached the cluster would fail as Unavailable or
// Failed, never as Invalid, so Invalid proves the input was refused first.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	app := NewApp()
	var out bytes.Buffer
	app.Writer, app.ErrWriter = &out, &out
	app.ExitErrHandler = func(*cli.Context, error) {}
	argv := append([]string{"hostctl", "--nomad-addr", "http://" + dead, "--consul-addr", dead}, args...)
	err = app.RunContext(context.Background(), argv)
	return out.String(), err
}

func TestCommandsRefuseBadInputBeforeTheCluster(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "shop"), 0o755); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(root, "good.hcl")
	bad := filepath.Join(root, "bad.hcl")
	os.WriteFile(good, []byte("site \"shop\" {\n  domains = [\"shop.example.com\"]\n  app = \".\"\n  wsgi = \"app:application\"\n}\n"), 0o644)
	os.WriteFile(bad, []byte("site \"shop\" {\n  domains = [\"shop.example.com\"]\n  wsgi = \"app:application\"\n  workers = 3\n}\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"validate a good spec", []string{"site", "validate", "--source-root", root, good}, 0, `site "shop" ok`},
		{"validate names file and line", []string{"site", "validate", "--source-root", root, bad}, int(contract.Invalid), "bad.hcl:4"},
		{"apply of a bad spec", []string{"site", "apply", "--source-root", root, bad}, int(contract.Invalid), "bad.hcl:4"},
		{"a bad --var", []string{"site", "plan", "--var", "novalue", good}, int(contract.Invalid), "want name=value"},
		{"destroy a path", []string{"site", "destroy", "../etc"}, int(contract.Invalid), "site name"},
		{"restart a reserved name", []string{"site", "restart", "consul"}, int(contract.Invalid), "reserved"},
		{"rotate an empty name", []string{"db", "rotate", ""}, int(contract.Invalid), "empty"},
		{"a bad rollback version", []string{"site", "rollback", "shop", "v2"}, int(contract.Invalid), "version"},
		{"secret set needs two args", []string{"secret", "set", "shop"}, int(contract.Invalid), "SITE NAME"},
		{"an unknown flag", []string{"site", "apply", "--bogus", good}, int(contract.Invalid), "bogus"},
		{"asleep and awake at once", []string{"site", "apply", "--source-root", root, "--asleep", "--wake", good}, int(contract.Invalid), "exclude each other"},
		{"scale without counts", []string{"site", "scale", "shop"}, int(contract.Invalid), "PROCESS=COUNT"},
		{"a bad count", []string{"site", "scale", "shop", "web=many"}, int(contract.Invalid), "PROCESS=COUNT"},
		{"run without a command", []string{"site", "run", "shop"}, int(contract.Invalid), "COMMAND"},
		{"db without a site", []string{"db", "dump"}, int(contract.Invalid), "needs a SITE"},
		{"move without a node", []string{"site", "move", "shop"}, int(contract.Invalid), "SITE NODE"},
		{"move a path", []string{"site", "move", "../etc", "node-2"}, int(contract.Invalid), "site name"},
		{"a good spec reaches the cluster", []string{"site", "plan", "--source-root", root, good}, int(contract.Unavailable), "connection refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := run(t, tc.args...)
			if got := contract.ExitCode(err); got != tc.code {
				t.Fatalf("exit %d (%v), want %d\n%s", got, err, tc.code, out)
			}
			msg := out
			if err != nil {
				msg += err.Error()
			}
			if !strings.Contains(msg, tc.want) {
				t.Fatalf("output and error %q do not contain %q", msg, tc.want)
			}
		})
	}
}
