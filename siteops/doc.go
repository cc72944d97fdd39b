// Package siteops holds hostctl's use cases: what `site apply`, `plan`,
// `destroy`, `rollback`, `restart`, `secret set` and `db rotate` do, step by
// step and in which order. The CLI, the benchmarks and the dev cluster's
// `down` all call these, so there is one apply and one destroy.
//
// The steps reach the cluster through small interfaces (Jobs, Accounts,
// Secrets, Provisioner, Router): package deploy, accounts, secrets and
// provisioner implement them over the real Nomad, Postgres and btrfs (see
// New), and the unit tests use fakes that record what was called, so the
// order of steps and what happens on a failure are tested without a
// cluster.
package siteops
