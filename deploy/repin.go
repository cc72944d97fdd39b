package deploy

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/contract"
)

// Repin returns a copy of job — the site's own, or one of its crons, as
// registered — with its media store moved to root: the node constraint on
// contract.MediaRootMeta, and the store's directory wherever jobs.Render
// puts it (MEDIA_ROOT, the launcher's --write, the router's MetaStatic).
// It works on the registered job rather than a re-rendered spec so `site
// move` needs no spec and changes nothing else. The launcher's
// --version-key, a digest of the spec that includes the store, keeps its
// value: the next apply of the spec changes it and rolls out one more
// version, on the same node.
func Repin(job *nomad.Job, site, root string) (*nomad.Job, error) {
	if err := contract.CheckMediaRoot(root); err != nil {
		return nil, err
	}
	out, err := clone(job)
	if err != nil {
		return nil, err
	}
	from := ""
	for _, c := range out.Constraints {
		if c.LTarget == pinTarget {
			from, c.RTarget = c.RTarget, root
		}
	}
	if from == "" {
		return nil, fmt.Errorf("job %s is not pinned to a media store", *job.ID)
	}
	oldDir, newDir := filepath.Join(from, "sites", site), filepath.Join(root, "sites", site)
	for _, tg := range out.TaskGroups {
		for _, svc := range tg.Services {
			if pairs, ok := svc.Meta[contract.MetaStatic]; ok {
				list := strings.Split(pairs, ",")
				for i, p := range list {
					if p == contract.MediaURL+"="+oldDir {
						list[i] = contract.MediaURL + "=" + newDir
					}
				}
				svc.Meta[contract.MetaStatic] = strings.Join(list, ",")
			}
		}
		for _, t := range tg.Tasks {
			if t.Env[contract.EnvMediaRoot] == oldDir {
				t.Env[contract.EnvMediaRoot] = newDir
			}
			t.Config["args"] = repinArgs(t.Config["args"], oldDir, newDir)
		}
	}
	return out, nil
}

// repinArgs moves the directory after --write. A job read from Nomad has
// its args as []any, a rendered one as []string.
func repinArgs(v any, oldDir, newDir string) any {
	args, ok := v.([]any)
	if !ok {
		return v
	}
	for i := 1; i < len(args); i++ {
		if args[i-1] == "--write" && args[i] == oldDir {
			args[i] = newDir
		}
		if args[i] == "--" {
			break // the site's own command: not ours to touch
		}
	}
	return args
}

// clone is a deep copy through JSON, the form Nomad's API reads jobs in.
func clone(job *nomad.Job) (*nomad.Job, error) {
	b, err := json.Marshal(job)
	if err != nil {
		return nil, err
	}
	var out nomad.Job
	return &out, json.Unmarshal(b, &out)
}

// pinTarget is the left side of jobs.Render's media constraint.
const pinTarget = "${meta." + contract.MediaRootMeta + "}"

// PinnedMedia is the media store root job is constrained to ("" if none).
func PinnedMedia(job *nomad.Job) string {
	for _, c := range job.Constraints {
		if c.LTarget == pinTarget && c.Operand == "=" {
			return c.RTarget
		}
	}
	return ""
}
