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
    condition     = output.consul_http_addr == "https://127.0.0.1:8501" && output.nomad_addr == "https://127.0.0.1:4646"
    error_message = "the local node's APIs are HTTPS on loopback at the upstream ports"
  }
  assert {
    condition     = output.secret_files["/etc/nomad.d/secrets.json"].source == "nomad-server-secrets.json" && !contains(output.written, "rendered/etc/nomad.d/secrets.json")
    error_message = "the local node lists the secrets to place, and never writes them"
  }
}

run "tls_and_gossip_pass_through" {
  command = plan

  variables {
    tls               = { enabled = true, nomad_ca_file = "/tmp/pki/nomad-ca.pem" }
    gossip_encryption = false
  }

  assert {
    condition     = jsondecode(output.files["/etc/nomad.d/nomad.json"].content).tls.ca_file == "/tmp/pki/nomad-ca.pem"
    error_message = "a given tls path reaches the node"
  }
  assert {
    condition     = jsondecode(output.files["/etc/consul.d/consul.json"].content).tls.defaults.ca_file == "/etc/consul.d/tls/ca.pem"
    error_message = "unset tls paths keep the module's defaults"
  }
  assert {
    condition     = strcontains(output.files["/etc/systemd/system/consul.service"].content, "check-secrets.sh /etc/consul.d/secrets.json agent\n")
    error_message = "gossip_encryption passes through"
  }
}

run "tls_off_passes_through" {
  command = plan
  variables { tls = { enabled = false } }

  assert {
    condition     = output.consul_http_addr == "127.0.0.1:8500" && output.nomad_addr == "http://127.0.0.1:4646"
    error_message = "with tls off the APIs are plain HTTP"
  }
}

run "ports_and_paths_pass_through" {
  command = plan

  variables {
    output_dir = "/tmp/out/"
    ports      = { consul_https = 18501 }
    paths      = { consul_config_dir = "/tmp/node/consul.d" }
  }

  assert {
    condition     = contains(output.written, "/tmp/out/tmp/node/consul.d/consul.json")
    error_message = "a trailing slash on output_dir is dropped and paths pass through"
  }
  assert {
    condition     = output.consul_http_addr == "https://127.0.0.1:18501"
    error_message = "ports pass through"
  }
}

run "refuses_root_as_output_dir" {
  command = plan
  variables { output_dir = "/" }
  expect_failures = [var.output_dir]
}
