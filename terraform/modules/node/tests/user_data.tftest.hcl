# The cloud-init user-data carries exactly the rendered files.

variables {
  name       = "client-1"
  roles      = ["client", "router"]
  retry_join = ["10.0.1.10"]
  binaries = {
    hostctl = { url = "https://artifacts.example.com/hostctl", sha256 = "0000000000000000000000000000000000000000000000000000000000000001" }
  }
  extra_packages = ["htop"]
}

run "cloud_config" {
  command = plan

  assert {
    condition     = startswith(output.user_data, "#cloud-config\n")
    error_message = "cloud-init only reads user-data as cloud-config after this header"
  }
  assert {
    condition     = length(yamldecode(output.user_data).write_files) == length(output.files)
    error_message = "write_files must hold every rendered file"
  }
  assert {
    condition = alltrue([for f in yamldecode(output.user_data).write_files :
    output.files[f.path].content == f.content && output.files[f.path].permissions == f.permissions])
    error_message = "write_files must carry each file's content and mode unchanged"
  }
  assert {
    condition     = jsonencode(yamldecode(output.user_data).runcmd) == jsonencode([["/usr/local/lib/hostctl/setup-node.sh"]])
    error_message = "cloud-init must run setup-node.sh"
  }
  assert {
    condition     = tolist(yamldecode(output.user_data).packages) == output.packages && contains(output.packages, "htop")
    error_message = "cloud-init installs the role's packages and the extra ones"
  }
  assert {
    condition     = startswith(output.user_data_base64gzip, "H4sI") && length(output.user_data_base64gzip) < 16384
    error_message = "user_data_base64gzip must be gzip (base64 of its magic is H4sI) and fit EC2's 16 KiB"
  }
  assert {
    condition = alltrue([for p, f in output.files :
    f.permissions == (endswith(p, ".sh") ? "0755" : (endswith(p, ".json") ? "0640" : "0644"))])
    error_message = "scripts are executable, agent configs not world-readable"
  }
  assert {
    condition     = alltrue([for p, f in output.files : !can(regex("\"(encrypt|token|agent|initial_management)\"\\s*:", f.content))])
    error_message = "no gossip key or ACL token may be in user-data, which the instance metadata service hands to any process on the node"
  }
  assert {
    condition     = length(setintersection(keys(output.files), keys(output.secret_files))) == 0
    error_message = "the files the operator places are never rendered"
  }
  assert {
    condition     = jsondecode(output.files["/etc/nomad.d/nomad.json"].content).client.meta.hostctl_launcher == "/usr/local/bin/hostctl"
    error_message = "nomad.json must be the JSON of nomad_config"
  }
  assert {
    condition     = jsondecode(output.files["/etc/consul.d/consul.json"].content).retry_join == ["10.0.1.10"]
    error_message = "consul.json must be the JSON of consul_config"
  }
  assert {
    condition = (
      strcontains(output.files["/usr/local/lib/hostctl/setup-node.sh"].content, "curl -fsSL --retry 5 -o \"$tmp\" 'https://artifacts.example.com/hostctl'") &&
      strcontains(output.files["/usr/local/lib/hostctl/setup-node.sh"].content, "echo \"0000000000000000000000000000000000000000000000000000000000000001  $tmp\" | sha256sum --check --quiet")
    )
    error_message = "binaries are downloaded and checked against their sha256 before install"
  }
  assert {
    condition     = !strcontains(output.files["/usr/local/lib/hostctl/setup-node.sh"].content, "/usr/local/bin/nomad")
    error_message = "binaries not listed are expected on the image, not downloaded"
  }
  assert {
    condition     = strcontains(output.files["/usr/local/lib/hostctl/setup-node.sh"].content, "systemctl enable --now consul.service nomad.service hostctl-router.service\n")
    error_message = "setup-node.sh must enable and start the node's units"
  }
}
