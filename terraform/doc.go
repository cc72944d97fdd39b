// Package terraform holds no Go code of its own: its tests run Terraform's
// own checks (fmt, validate and the .tftest.hcl suites) over the modules and
// examples in this directory, with the Terraform that scripts/bootstrap
// builds, so `go test ./...` covers them; and they hold the node module's
// agent configs to package agentconfig, field by field
// (agentconfig_test.go).
package terraform
