// Package provisioner will create what a site needs outside Nomad before its
// job is registered: a Postgres role and database (pgx, identifiers quoted
// by pgx) and a btrfs subvolume with a quota for its media, with snapshots
// and backups. It is empty until that work lands (issue 5); site names are
// already validated by jobs.CheckSiteName, which it will rely on.
package provisioner
