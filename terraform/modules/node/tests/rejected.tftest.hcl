# Inputs the module refuses, each caught by the validation block meant for it.

variables {
  name       = "node-1"
  roles      = ["client"]
  retry_join = ["10.0.1.10"]
}

run "unknown_role" {
  command = plan
  variables { roles = ["server", "database"] }
  expect_failures = [var.roles]
}

run "no_role" {
  command = plan
  variables { roles = [] }
  expect_failures = [var.roles]
}

run "bad_name" {
  command = plan
  variables { name = "Node_1" }
  expect_failures = [var.name]
}

run "even_bootstrap_expect" {
  command = plan
  variables {
    roles            = ["server"]
    bootstrap_expect = 2
  }
  expect_failures = [var.bootstrap_expect]
}

run "bootstrap_expect_too_large" {
  command = plan
  variables {
    roles            = ["server"]
    bootstrap_expect = 9
  }
  expect_failures = [var.bootstrap_expect]
}

run "client_with_nothing_to_join" {
  command = plan
  variables { retry_join = [] }
  expect_failures = [var.retry_join]
}

run "one_of_three_servers_with_nothing_to_join" {
  command = plan
  variables {
    roles      = ["server"]
    retry_join = []
  }
  expect_failures = [var.retry_join]
}

run "nomad_server_join_empty_entry" {
  command = plan
  variables {
    roles             = ["server"]
    nomad_server_join = ["10.0.1.10", " "]
  }
  expect_failures = [var.nomad_server_join]
}

run "bind_addr_any" {
  command = plan
  variables { bind_addr = "0.0.0.0" }
  expect_failures = [var.bind_addr]
}

run "http_bind_addr_not_ip" {
  command = plan
  variables { http_bind_addr = "localhost" }
  expect_failures = [var.http_bind_addr]
}

run "port_in_dynamic_range" {
  command = plan
  variables { ports = { router = 25000 } }
  expect_failures = [var.ports]
}

run "duplicate_ports" {
  command = plan
  variables { ports = { router = 4646 } }
  expect_failures = [var.ports]
}

run "port_out_of_range" {
  command = plan
  variables { ports = { consul_http = 70000 } }
  expect_failures = [var.ports]
}

run "relative_path" {
  command = plan
  variables { paths = { nomad_data_dir = "var/lib/nomad" } }
  expect_failures = [var.paths]
}

run "path_with_space" {
  command = plan
  variables { paths = { media_root = "/srv/my media" } }
  expect_failures = [var.paths]
}

run "path_with_dotdot" {
  command = plan
  variables { paths = { lib_dir = "/usr/../etc" } }
  expect_failures = [var.paths]
}

run "media_device_outside_dev" {
  command = plan
  variables { media = { device = "/tmp/disk" } }
  expect_failures = [var.media]
}

run "media_image_too_small" {
  command = plan
  variables { media = { image_gib = 0 } }
  expect_failures = [var.media]
}

run "unknown_binary" {
  command = plan
  variables {
    binaries = { terraform = { url = "https://example.com/t", sha256 = "0000000000000000000000000000000000000000000000000000000000000000" } }
  }
  expect_failures = [var.binaries]
}

run "plain_http_binary" {
  command = plan
  variables {
    binaries = { nomad = { url = "http://example.com/nomad", sha256 = "0000000000000000000000000000000000000000000000000000000000000000" } }
  }
  expect_failures = [var.binaries]
}

run "short_sha256" {
  command = plan
  variables {
    binaries = { nomad = { url = "https://example.com/nomad", sha256 = "abc" } }
  }
  expect_failures = [var.binaries]
}

run "bad_package_name" {
  command = plan
  variables { extra_packages = ["rm -rf /"] }
  expect_failures = [var.extra_packages]
}

run "connection_cap_below_default" {
  command = plan
  variables { http_max_conns_per_client = 100 }
  expect_failures = [var.http_max_conns_per_client]
}

run "bad_log_level" {
  command = plan
  variables { log_level = "LOUD" }
  expect_failures = [var.log_level]
}

run "bad_interface" {
  command = plan
  variables { network_interface = "eth0; reboot" }
  expect_failures = [var.network_interface]
}

run "tls_relative_path" {
  command = plan
  variables { tls = { nomad_cert_file = "tls/agent.pem" } }
  expect_failures = [var.tls]
}

run "tls_path_with_dotdot" {
  command = plan
  variables { tls = { consul_ca_file = "/etc/consul.d/../ca.pem" } }
  expect_failures = [var.tls]
}

run "tls_one_key_for_both_agents" {
  command = plan
  variables { tls = { consul_key_file = "/etc/pki/key.pem", nomad_key_file = "/etc/pki/key.pem" } }
  expect_failures = [var.tls]
}

run "static_root_relative" {
  command = plan
  variables { router_static_roots = ["srv/media"] }
  expect_failures = [var.router_static_roots]
}

run "static_root_is_slash" {
  command = plan
  variables { router_static_roots = ["/"] }
  expect_failures = [var.router_static_roots]
}

run "static_roots_overlap" {
  command = plan
  variables { router_static_roots = ["/srv/hostctl", "/srv/hostctl/media"] }
  expect_failures = [var.router_static_roots]
}

run "static_roots_repeat" {
  command = plan
  variables { router_static_roots = ["/srv/media", "/srv/media"] }
  expect_failures = [var.router_static_roots]
}

run "consul_fallback_not_an_address" {
  command = plan
  variables { router_consul_fallbacks = ["10.0.1.10:8501 --pprof"] }
  expect_failures = [var.router_consul_fallbacks]
}
