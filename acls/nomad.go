package acls

import (
	"context"
	"fmt"
	"strings"
	"time"

	nomad "github.com/hashicorp/nomad/api"
)

// BootstrapNomad turns on Nomad's ACL system with t's management token as
// the bootstrap token, waiting for a leader first. On a cluster already
// bootstrapped it checks that the token is still the management one.
// Nomad needs no policy of its own here: anonymous requests are denied,
// the operator holds the management token, and each site's tasks hold
// only their workload identity, which reads its own job's Variables.
func BootstrapNomad(ctx context.Context, nc *nomad.Client, t Tokens) error {
	secret := t.NomadManagement.SecretID
	for {
		_, _, err := nc.ACLTokens().BootstrapOpts(secret, (&nomad.WriteOptions{}).WithContext(ctx))
		if err == nil {
			return nil
		}
		if strings.Contains(err.Error(), "bootstrap already done") {
			self, _, serr := nc.ACLTokens().Self((&nomad.QueryOptions{AuthToken: secret}).WithContext(ctx))
			if serr != nil || self.Type != "management" {
				return fmt.Errorf("the Nomad ACLs were bootstrapped with another token (%v)", serr)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("bootstrapping Nomad's ACLs: %w", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// SiteVariablesPolicy lets the jobs a site starts besides its own — its
// crons and one-off runs, whose workload identities name their own job IDs
// — read the site's Variables (its secrets and database credentials), and
// nothing else. Policy names are Nomad's [A-Za-z0-9-]{1,128}; job IDs of
// hostctl's are lowercase labels joined by '-', so they fit.
func SiteVariablesPolicy(site, jobID, secretsPath string) *nomad.ACLPolicy {
	return &nomad.ACLPolicy{
		Name:        PolicyForJob(jobID),
		Description: "hostctl: " + jobID + " reads site " + site + "'s Variables",
		Rules: `namespace "default" {
  variables {
    path "` + secretsPath + `" { capabilities = ["read"] }
  }
}
`,
		JobACL: &nomad.JobACL{Namespace: "default", JobID: jobID},
	}
}

// PolicyForJob names the Variables policy of one of a site's extra jobs.
func PolicyForJob(jobID string) string { return "hostctl-vars-" + jobID }

// RouterNomadPolicy is all the router may do in Nomad: find sites' jobs
// and scale them (to zero when idle, back when woken). Nomad's ACLs stop
// at the namespace, so the router could scale any job in "default"; the
// router itself scales only jobs whose meta names them as a site's.
const RouterNomadPolicy = "hostctl-router"

var routerNomadRules = `namespace "default" {
  capabilities = ["list-jobs", "read-job", "scale-job"]
}
`

// SetUpNomad makes the Nomad policies and tokens besides the management
// one (today: the router's). Nomad, unlike Consul, will not create a
// token under IDs chosen beforehand, so the router's token is created
// here, once, and its IDs written into t for the caller to save; with
// IDs already in t that Nomad knows, it only brings the policy up to date.
func SetUpNomad(ctx context.Context, nc *nomad.Client, t *Tokens) error {
	w := (&nomad.WriteOptions{}).WithContext(ctx)
	p := &nomad.ACLPolicy{Name: RouterNomadPolicy, Description: "hostctl router: find and scale sites' jobs", Rules: routerNomadRules}
	if _, err := nc.ACLPolicies().Upsert(p, w); err != nil {
		return fmt.Errorf("writing the Nomad policy %s: %w", p.Name, err)
	}
	q := (&nomad.QueryOptions{}).WithContext(ctx)
	if id := t.NomadRouter.AccessorID; id != "" {
		if _, _, err := nc.ACLTokens().Info(id, q); err == nil {
			return nil
		}
	}
	tok, _, err := nc.ACLTokens().Create(&nomad.ACLToken{Name: "hostctl router", Type: "client", Policies: []string{RouterNomadPolicy}}, w)
	if err != nil {
		return fmt.Errorf("creating the router's Nomad token: %w", err)
	}
	t.NomadRouter = Token{AccessorID: tok.AccessorID, SecretID: tok.SecretID}
	return nil
}
