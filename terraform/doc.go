// Package terraform holds no Go code of its own: its test runs Terraform's
// own checks (fmt, validate and the .tftest.hcl suites) over the modules and
// examples in this directory, with the Terraform that scripts/bootstrap
// builds, so `go test ./...` covers them.
package terraform
