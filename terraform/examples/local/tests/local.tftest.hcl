# Plans only: applying would run local-exec and write files, which the Go
# integration test does for real (integration/terraform_test.go).

run "defaults_render_a_loopback_node" {
  command = plan

  assert {
    condition     = contains(output.written, "rendered/etc/consul.d/consul.json") && contains(output.written, "rendered/user-data.yaml")
    error_message = "files are placed under output_dir by their node path, with user-data.yaml beside them"
  }
  assert {
    condition     = length(output.written) == length(output.files) + 1
    error_message = "every rendered file is written, plus user-data.yaml"
  }
  assert {
    condition     = jsondecode(output.files["/etc/nomad.d/nomad.json"].content).client.network_interface == "lo"
    error_message = "the local node keeps instances on loopback"
  }
  assert {
    condition     = output.consul_http_addr == "127.0.0.1:8500" && output.nomad_addr == "http://127.0.0.1:4646"
    error_message = "the local node's APIs are on loopback at the upstream ports"
  }
}

run "ports_and_paths_pass_through" {
  command = plan

  variables {
    output_dir = "/tmp/out/"
    ports      = { consul_http = 18500 }
    paths      = { consul_config_dir = "/tmp/node/consul.d" }
  }

  assert {
    condition     = contains(output.written, "/tmp/out/tmp/node/consul.d/consul.json")
    error_message = "a trailing slash on output_dir is dropped and paths pass through"
  }
  assert {
    condition     = output.consul_http_addr == "127.0.0.1:18500"
    error_message = "ports pass through"
  }
}

run "refuses_root_as_output_dir" {
  command = plan
  variables { output_dir = "/" }
  expect_failures = [var.output_dir]
}
