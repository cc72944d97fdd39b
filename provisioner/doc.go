// Package provisioner groups what a site needs outside Nomad, made before
// its job is registered and removed after it is gone:
//
//   - provisioner/postgres gives each site a LOGIN role and a database it
//     owns on a shared server, closed to every other site (no CONNECT for
//     PUBLIC there nor on the "postgres" and template1 databases, no
//     CREATE in schema public), with a generated password stored only as a
//     SCRAM-SHA-256 verifier, plus pg_dump backups and pg_restore restores,
//     which log in as the site itself since a dump may be the site's work.
//     The private server the dev cluster and the tests run is dev
//     machinery, in devcluster/pgserver.
//   - provisioner/btrfs gives each site a btrfs subvolume for its files,
//     owned by the site's uid with a qgroup quota, with read-only
//     snapshots, atomic restore, retention pruning and incremental send
//     streams. The loop-mounted btrfs the dev cluster and the tests use is
//     in devcluster/btrfsloop.
//
// A site name becomes a role, a database, a path component and a command
// argument, so every exported function that takes one validates it with
// contract.CheckSiteName before any SQL, path join or btrfs call, and fails
// without side effects (errors wrap ErrInvalidSiteName in each package).
// Past that check, SQL identifiers are still quoted by pgx and commands are
// run with argv, never through a shell.
package provisioner
