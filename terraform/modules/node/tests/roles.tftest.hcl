# What each role renders. Every run only plans: the module has no resources,
# so its outputs are fully known at plan time and no provider is needed.

variables {
  name       = "server-1"
  roles      = ["server"]
  retry_join = ["10.0.1.10", "10.0.1.11", "10.0.1.12"]
}

run "server" {
  command = plan

  assert {
    condition     = output.consul_config.server && output.consul_config.bootstrap_expect == 3
    error_message = "a server must be a Consul server expecting 3 servers"
  }
  assert {
    condition     = output.consul_config.retry_join == tolist(["10.0.1.10", "10.0.1.11", "10.0.1.12"])
    error_message = "Consul retry_join must list the servers"
  }
  assert {
    condition     = output.consul_config.node_name == "server-1" && output.nomad_config.name == "server-1"
    error_message = "both agents must carry the node name"
  }
  assert {
    condition     = output.consul_config.ui_config.enabled && output.consul_config.performance.raft_multiplier == 1
    error_message = "servers serve the UI and use production raft timing"
  }
  assert {
    condition     = output.nomad_config.server.enabled && output.nomad_config.server.bootstrap_expect == 3
    error_message = "a server must be a Nomad server expecting 3 servers"
  }
  assert {
    condition = (
      output.nomad_config.server.default_scheduler_config.scheduler_algorithm == "binpack" &&
      output.nomad_config.server.default_scheduler_config.memory_oversubscription_enabled
    )
    error_message = "servers must bootstrap the scheduler with binpack and memory oversubscription, as the dev cluster does"
  }
  assert {
    condition     = !can(output.nomad_config.client) && !can(output.nomad_config.plugin)
    error_message = "a server-only node must not run a Nomad client"
  }
  assert {
    condition     = output.units == tolist(["consul", "nomad"])
    error_message = "a server runs Consul and Nomad, nothing else"
  }
  assert {
    condition     = !contains(output.packages, "gunicorn") && contains(output.packages, "curl")
    error_message = "site packages belong on clients only"
  }
  assert {
    condition     = output.router_env == null && !contains(keys(output.files), "/etc/hostctl/router.env")
    error_message = "a server-only node must not run the router"
  }
  assert {
    condition     = !contains(keys(output.files), "/usr/local/lib/hostctl/setup-media.sh")
    error_message = "only clients get a media volume"
  }
}

run "client" {
  command = plan

  variables {
    name  = "client-7"
    roles = ["client"]
  }

  assert {
    condition     = !output.consul_config.server && !can(output.consul_config.bootstrap_expect)
    error_message = "a client runs a Consul client agent"
  }
  assert {
    condition     = length(output.consul_config.retry_join) == 3
    error_message = "a client's Consul agent must join the servers"
  }
  assert {
    condition     = !can(output.nomad_config.server)
    error_message = "a client must not run a Nomad server"
  }
  assert {
    condition     = output.nomad_config.client.enabled && output.nomad_config.plugin.raw_exec.config.enabled
    error_message = "clients run sites with raw_exec"
  }
  assert {
    condition     = output.nomad_config.client.options["driver.allowlist"] == "raw_exec"
    error_message = "only the raw_exec driver may load"
  }
  assert {
    condition     = output.nomad_config.client.artifact.decompression_size_limit == "2GB" && output.nomad_config.client.artifact.decompression_file_count_limit == 50000 && output.nomad_config.client.artifact.http_max_size == "512MB"
    error_message = "clients bound what a site's source may unpack to (Nomad's default is 100 GB)"
  }
  assert {
    condition = alltrue([for f in ["env_aws", "env_gce", "env_azure", "env_digitalocean"] :
    contains(split(",", output.nomad_config.client.options["fingerprint.denylist"]), f)])
    error_message = "cloud fingerprinters must be denied (env_aws breaks when AWS_CA_BUNDLE is set)"
  }
  assert {
    condition     = output.nomad_config.client.node_class == "sites"
    error_message = "node_class defaults to sites"
  }
  assert {
    condition     = output.nomad_config.client.meta.hostctl_launcher == "/usr/local/bin/hostctl"
    error_message = "jobs are constrained on meta.hostctl_launcher: clients must advertise the hostctl binary"
  }
  assert {
    condition     = output.nomad_config.client.meta.hostctl_media_root == "/srv/hostctl/media"
    error_message = "clients advertise the media root"
  }
  assert {
    condition     = !can(output.nomad_config.client.network_interface)
    error_message = "by default Nomad picks the default route's interface, so routers on other nodes reach instances"
  }
  assert {
    condition = (
      output.consul_config.limits.http_max_conns_per_client == 4096 &&
      output.nomad_config.limits.http_max_conns_per_client == 4096
    )
    error_message = "the per-client HTTP connection caps must be raised"
  }
  assert {
    condition     = output.nomad_config.consul.address == "127.0.0.1:8500"
    error_message = "Nomad talks to the local Consul agent over loopback"
  }
  assert {
    condition     = alltrue([for p in ["gunicorn", "python3-django", "python3-flask", "python3-psycopg2", "btrfs-progs"] : contains(output.packages, p)])
    error_message = "clients need the packages sites run on and btrfs-progs"
  }
  assert {
    condition = (
      strcontains(output.files["/usr/local/lib/hostctl/setup-media.sh"].content, "btrfs quota enable \"$root\"") &&
      strcontains(output.files["/usr/local/lib/hostctl/setup-media.sh"].content, "root=/srv/hostctl/media\n")
    )
    error_message = "clients mount the media volume with quotas"
  }
  assert {
    condition     = strcontains(output.files["/usr/local/lib/hostctl/setup-node.sh"].content, "/usr/local/lib/hostctl/setup-media.sh\n")
    error_message = "setup-node.sh must run setup-media.sh on clients"
  }
  assert {
    condition     = strcontains(output.files["/etc/systemd/system/nomad.service"].content, "RequiresMountsFor=/srv/hostctl/media\n")
    error_message = "Nomad must not start before the media volume is mounted"
  }
  assert {
    condition     = strcontains(output.files["/etc/systemd/system/nomad.service"].content, "KillMode=process\n")
    error_message = "sites must survive a Nomad agent restart"
  }
  assert {
    condition     = strcontains(output.files["/usr/local/lib/hostctl/setup-dirs.sh"].content, "install -d -m 0711 /var/lib/nomad\n")
    error_message = "the Nomad data dir must be 0711 so site users reach their task dirs"
  }
}

run "router" {
  command = plan

  variables {
    name  = "router-1"
    roles = ["router"]
  }

  assert {
    condition     = output.nomad_config == null && output.nomad_addr == null
    error_message = "a router-only node runs no Nomad agent"
  }
  assert {
    condition     = !contains(keys(output.files), "/etc/nomad.d/nomad.json") && !contains(keys(output.files), "/etc/systemd/system/nomad.service")
    error_message = "a router-only node gets no Nomad files"
  }
  assert {
    condition     = output.units == tolist(["consul", "hostctl-router"])
    error_message = "a router runs a Consul client agent and the router"
  }
  assert {
    condition = output.router_env == {
      CONSUL_HTTP_ADDR            = "127.0.0.1:8500"
      HOSTCTL_ROUTER_LISTEN       = "0.0.0.0:8080"
      HOSTCTL_ROUTER_ADMIN_LISTEN = "0.0.0.0:8081"
    }
    error_message = "the router follows the local Consul agent and listens on every interface"
  }
  assert {
    condition     = output.files["/etc/hostctl/router.env"].content == "CONSUL_HTTP_ADDR=127.0.0.1:8500\nHOSTCTL_ROUTER_ADMIN_LISTEN=0.0.0.0:8081\nHOSTCTL_ROUTER_LISTEN=0.0.0.0:8080\n"
    error_message = "router.env must hold the router's environment"
  }
  assert {
    condition = (
      strcontains(output.files["/etc/systemd/system/hostctl-router.service"].content, "ExecStart=/usr/local/bin/hostctl router run\n") &&
      strcontains(output.files["/etc/systemd/system/hostctl-router.service"].content, "EnvironmentFile=/etc/hostctl/router.env\n")
    )
    error_message = "the router unit runs hostctl router run with router.env"
  }
}

run "all_roles_on_loopback" {
  command = plan

  variables {
    name              = "solo"
    roles             = ["server", "client", "router"]
    bootstrap_expect  = 1
    retry_join        = []
    bind_addr         = "127.0.0.1"
    http_bind_addr    = "127.0.0.1"
    router_bind_addr  = "127.0.0.1"
    network_interface = "lo"
    node_class        = "edge"
    ports             = { consul_http = 18500, nomad_http = 14646 }
    paths             = { nomad_data_dir = "/tmp/x/nomad", bin_dir = "/opt/hostctl/bin" }
  }

  assert {
    condition     = output.consul_config.server && output.nomad_config.server.enabled && output.nomad_config.client.enabled
    error_message = "one node can be server and client"
  }
  assert {
    condition     = output.units == tolist(["consul", "nomad", "hostctl-router"])
    error_message = "all three units, Consul first"
  }
  assert {
    condition     = output.consul_config.ports.http == 18500 && output.consul_config.ports.server == 8300 && output.consul_config.ports.dns == -1
    error_message = "given ports override the defaults, the rest stay upstream's, DNS stays off"
  }
  assert {
    condition     = output.nomad_config.consul.address == "127.0.0.1:18500" && output.router_env.CONSUL_HTTP_ADDR == "127.0.0.1:18500"
    error_message = "Nomad and the router follow Consul's port"
  }
  assert {
    condition     = output.nomad_addr == "http://127.0.0.1:14646" && output.nomad_config.addresses.http == "127.0.0.1"
    error_message = "Nomad's API listens where told"
  }
  assert {
    condition     = output.nomad_config.client.network_interface == "lo" && output.nomad_config.client.node_class == "edge"
    error_message = "network_interface and node_class reach the client"
  }
  assert {
    condition     = output.nomad_config.data_dir == "/tmp/x/nomad" && output.nomad_config.client.meta.hostctl_launcher == "/opt/hostctl/bin/hostctl"
    error_message = "paths reach the Nomad config"
  }
  assert {
    condition     = strcontains(output.files["/etc/systemd/system/nomad.service"].content, "ExecStart=/opt/hostctl/bin/nomad agent -config=/etc/nomad.d\n")
    error_message = "the unit runs the nomad binary from bin_dir"
  }
}

run "hostname_when_unnamed" {
  command = plan

  variables {
    name  = null
    roles = ["client"]
  }

  assert {
    condition     = !can(output.consul_config.node_name) && !can(output.nomad_config.name)
    error_message = "without a name both agents fall back to the hostname"
  }
}

run "null_inputs_take_defaults" {
  command = plan

  variables {
    roles            = ["server"]
    bootstrap_expect = 1
    retry_join       = null
    ports            = null
    paths            = null
  }

  assert {
    condition     = length(output.consul_config.retry_join) == 0 && output.consul_config.ports.http == 8500
    error_message = "null lists and objects (a JSON var file's null) fall back to the defaults"
  }
  assert {
    condition     = output.nomad_config.data_dir == "/var/lib/nomad"
    error_message = "null paths fall back to the defaults"
  }
}
