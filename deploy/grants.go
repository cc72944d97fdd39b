package deploy

import (
	"context"
	"fmt"

	nomad "github.com/hashicorp/nomad/api"

	"github.com/hostctl/hostctl/acls"
	"github.com/hostctl/hostctl/contract"
)

// A task's workload identity reads its own job's Variables and nothing
// else. A site's crons and one-off runs are jobs of their own, yet need the
// site's secrets and database credentials: each gets a Nomad ACL policy
// bound to its job ID that reads exactly the site's Variables path. It is
// made before the job is registered and removed with it.

func grantSiteVariables(ctx context.Context, nc *nomad.Client, site, jobID string) error {
	p := acls.SiteVariablesPolicy(site, jobID, contract.SecretsPath(site))
	if _, err := nc.ACLPolicies().Upsert(p, (&nomad.WriteOptions{}).WithContext(ctx)); err != nil {
		return fmt.Errorf("letting %s read %s's Variables: %w", jobID, site, err)
	}
	return nil
}

func revokeSiteVariables(ctx context.Context, nc *nomad.Client, jobID string) error {
	if _, err := nc.ACLPolicies().Delete(acls.PolicyForJob(jobID), (&nomad.WriteOptions{}).WithContext(ctx)); err != nil && !isNotFound(err) {
		return fmt.Errorf("removing %s's policy: %w", jobID, err)
	}
	return nil
}
