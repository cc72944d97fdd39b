locals {
  server = contains(var.roles, "server")
  client = contains(var.roles, "client")
  router = contains(var.roles, "router")
  nomad  = local.server || local.client
  p      = var.paths

  # Local processes (the router, Nomad's Consul integration) reach the
  # agents here: loopback when the APIs listen on every interface.
  local_http_host  = var.http_bind_addr == "0.0.0.0" ? "127.0.0.1" : var.http_bind_addr
  consul_http_addr = "${local.local_http_host}:${var.ports.consul_http}"
  nomad_http_addr  = "http://${local.local_http_host}:${var.ports.nomad_http}"

  hostctl_bin = "${local.p.bin_dir}/hostctl"

  # The Nomad client meta key jobs are constrained on (jobs.LauncherMeta):
  # site tasks run through this binary's `launch`.
  launcher_meta = "hostctl_launcher"

  # Cloud fingerprinters probe metadata services; env_aws breaks outright
  # when AWS_CA_BUNDLE is set. Nothing in hostctl uses their attributes.
  cloud_fingerprinters = ["env_aws", "env_gce", "env_azure", "env_digitalocean"]

  consul_config = merge(
    {
      datacenter     = var.datacenter
      data_dir       = local.p.consul_data_dir
      server         = local.server
      bind_addr      = var.bind_addr
      advertise_addr = var.bind_addr
      client_addr    = var.http_bind_addr
      retry_join     = var.retry_join
      # hostctl talks to Consul over HTTP only: gRPC (Connect), DNS and WAN
      # federation stay off, each one port fewer to secure.
      ports = {
        http     = var.ports.consul_http
        server   = var.ports.consul_server
        serf_lan = var.ports.consul_serf_lan
        serf_wan = -1
        dns      = -1
        grpc     = -1
        grpc_tls = -1
      }
      disable_update_check = true
      log_level            = var.log_level
      # The router holds one blocking query per site from one IP.
      limits = { http_max_conns_per_client = var.http_max_conns_per_client }
    },
    var.name == null ? null : { node_name = var.name },
    local.server ? {
      bootstrap_expect = var.bootstrap_expect
      ui_config        = { enabled = true }
      # HashiCorp's production recommendation; the default 5 is for tiny
      # development machines.
      performance = { raft_multiplier = 1 }
    } : null,
  )

  nomad_config = !local.nomad ? null : merge(
    {
      region     = var.region
      datacenter = var.datacenter
      data_dir   = local.p.nomad_data_dir
      bind_addr  = var.bind_addr
      addresses  = { http = var.http_bind_addr }
      advertise  = { http = var.bind_addr, rpc = var.bind_addr, serf = var.bind_addr }
      ports      = { http = var.ports.nomad_http, rpc = var.ports.nomad_rpc, serf = var.ports.nomad_serf }
      # Servers and clients find each other through the Consul agent.
      consul               = { address = local.consul_http_addr }
      limits               = { http_max_conns_per_client = var.http_max_conns_per_client }
      disable_update_check = true
      log_level            = var.log_level
    },
    var.name == null ? null : { name = var.name },
    local.server ? {
      server = {
        enabled          = true
        bootstrap_expect = var.bootstrap_expect
        # Applied when the cluster is first bootstrapped (the dev cluster
        # sets the same through the API): pack sites densely, and let a site
        # burst above its reserved memory up to its memory_max, which Nomad
        # ignores unless oversubscription is on.
        default_scheduler_config = {
          scheduler_algorithm             = "binpack"
          memory_oversubscription_enabled = true
        }
      }
    } : null,
    local.client ? {
      client = merge(
        {
          enabled    = true
          node_class = var.node_class
          meta = {
            (local.launcher_meta) = local.hostctl_bin
            hostctl_media_root    = local.p.media_root
          }
          options = {
            "fingerprint.denylist" = join(",", local.cloud_fingerprinters)
            "driver.allowlist"     = "raw_exec"
          }
          # A site's git or archive source is fetched by Nomad; its defaults
          # let an archive unpack to 100 GB. Same values as the dev cluster
          # (devcluster.ArtifactLimits).
          artifact = var.artifact_limits
        },
        var.network_interface == null ? null : { network_interface = var.network_interface },
      )
      plugin = { raw_exec = { config = { enabled = true } } }
    } : null,
  )

  router_env = {
    CONSUL_HTTP_ADDR            = local.consul_http_addr
    HOSTCTL_ROUTER_LISTEN       = "${var.router_bind_addr}:${var.ports.router}"
    HOSTCTL_ROUTER_ADMIN_LISTEN = "${var.router_bind_addr}:${var.ports.router_admin}"
  }

  packages = distinct(concat(
    ["ca-certificates", "curl"],
    local.client ? [
      # What site processes run on (gunicorn, the frameworks and Postgres
      # driver the examples use) and what the media volume needs.
      "gunicorn", "python3-django", "python3-flask", "python3-psycopg2", "btrfs-progs",
    ] : [],
    var.extra_packages,
  ))

  units = concat(
    ["consul"],
    local.nomad ? ["nomad"] : [],
    local.router ? ["hostctl-router"] : [],
  )

  tmpl = "${path.module}/templates"

  files = merge(
    {
      "${local.p.consul_config_dir}/consul.json" = {
        content     = "${jsonencode(local.consul_config)}\n"
        permissions = "0640"
      }
      "${local.p.systemd_dir}/consul.service" = {
        content = templatefile("${local.tmpl}/consul.service.tftpl", {
          bin = "${local.p.bin_dir}/consul", config_dir = local.p.consul_config_dir, user = var.consul_user
        })
        permissions = "0644"
      }
      "${local.p.lib_dir}/setup-dirs.sh" = {
        content = templatefile("${local.tmpl}/setup-dirs.sh.tftpl", {
          consul_user       = var.consul_user
          consul_data_dir   = local.p.consul_data_dir
          consul_config_dir = local.p.consul_config_dir
          nomad             = local.nomad
          nomad_data_dir    = local.p.nomad_data_dir
          nomad_config_dir  = local.p.nomad_config_dir
        })
        permissions = "0755"
      }
      "${local.p.lib_dir}/setup-node.sh" = {
        content = templatefile("${local.tmpl}/setup-node.sh.tftpl", {
          lib_dir  = local.p.lib_dir
          bin_dir  = local.p.bin_dir
          binaries = var.binaries
          client   = local.client
          units    = local.units
        })
        permissions = "0755"
      }
    },
    local.nomad ? {
      "${local.p.nomad_config_dir}/nomad.json" = {
        content     = "${jsonencode(local.nomad_config)}\n"
        permissions = "0640"
      }
      "${local.p.systemd_dir}/nomad.service" = {
        content = templatefile("${local.tmpl}/nomad.service.tftpl", {
          bin        = "${local.p.bin_dir}/nomad", config_dir = local.p.nomad_config_dir
          media_root = local.client ? local.p.media_root : ""
        })
        permissions = "0644"
      }
    } : null,
    local.client ? {
      "${local.p.lib_dir}/setup-media.sh" = {
        content = templatefile("${local.tmpl}/setup-media.sh.tftpl", {
          media_root = local.p.media_root
          device     = var.media.device == null ? "" : var.media.device
          image      = "${local.p.lib_dir}/media.img"
          image_gib  = var.media.image_gib
        })
        permissions = "0755"
      }
    } : null,
    local.router ? {
      "${local.p.hostctl_config_dir}/router.env" = {
        content     = join("", [for k in sort(keys(local.router_env)) : "${k}=${local.router_env[k]}\n"])
        permissions = "0644"
      }
      "${local.p.systemd_dir}/hostctl-router.service" = {
        content = templatefile("${local.tmpl}/hostctl-router.service.tftpl", {
          bin = local.hostctl_bin, env_file = "${local.p.hostctl_config_dir}/router.env"
        })
        permissions = "0644"
      }
    } : null,
  )

  cloud_config = {
    package_update = true
    packages       = local.packages
    write_files = [for path in sort(keys(local.files)) : {
      path        = path
      content     = local.files[path].content
      permissions = local.files[path].permissions
      owner       = "root:root"
    }]
    runcmd = [["${local.p.lib_dir}/setup-node.sh"]]
  }

  user_data = "#cloud-config\n${yamlencode(local.cloud_config)}"
}
