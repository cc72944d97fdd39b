// Package contract is the vocabulary every part of hostctl shares: what a
// site may be called, which uids sites get, the labels the job renderer
// writes on Nomad jobs and Consul services and the router reads back, where
// in Nomad Variables a site's accounts and secrets live, and the kinds of
// error the CLI turns into exit codes.
//
// It sits at the bottom of the import graph and imports nothing of hostctl
// and nothing bigger than the standard library, so the launcher, the
// provisioner and the router can agree with the spec package without
// importing it (and HCL, cty and Nomad's API with it).
package contract
