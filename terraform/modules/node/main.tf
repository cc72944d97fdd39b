locals {
  server = contains(var.roles, "server")
  client = contains(var.roles, "client")
  router = contains(var.roles, "router")
  nomad  = local.server || local.client
  p      = var.paths

  tls = var.tls.enabled
  # Consul servers serve HTTPS with the operator's certificate. Client
  # agents' certificates come from the servers (auto_encrypt), signed by
  # Consul's own CA, which nothing on the node could verify: their API stays
  # plain HTTP, on loopback only, for the node's Nomad agent and router.
  consul_https    = local.tls && local.server
  consul_loopback = local.tls && !local.server

  # Local processes (the router, Nomad's Consul integration) reach the
  # agents here: loopback when the APIs listen on every interface.
  local_http_host  = var.http_bind_addr == "0.0.0.0" ? "127.0.0.1" : var.http_bind_addr
  consul_host_port = local.consul_https ? "${local.local_http_host}:${var.ports.consul_https}" : "${local.consul_loopback ? "127.0.0.1" : local.local_http_host}:${var.ports.consul_http}"
  consul_http_addr = local.consul_https ? "https://${local.consul_host_port}" : local.consul_host_port
  nomad_http_addr  = "${local.tls ? "https" : "http"}://${local.local_http_host}:${var.ports.nomad_http}"

  # The secrets the operator places (docs/operations.md): both agents load
  # every file of their config dir, so a secrets.json beside the rendered
  # config is merged into it.
  consul_secrets      = "${local.p.consul_config_dir}/secrets.json"
  nomad_secrets       = "${local.p.nomad_config_dir}/secrets.json"
  router_consul_token = "${local.p.hostctl_config_dir}/router-consul.token"
  router_admin_token  = "${local.p.hostctl_config_dir}/router-admin.token"
  check_secrets       = "${local.p.lib_dir}/check-secrets.sh"
  # What each agent's unit checks its secrets file holds before it starts.
  consul_secret_keys = concat(var.gossip_encryption ? ["encrypt"] : [], ["agent"])
  nomad_secret_keys  = concat(["token"], var.gossip_encryption && local.server ? ["encrypt"] : [])

  # Where the operator's files go on this node, and what each is: the
  # name of a file `hostctl cluster init` makes, or one of the operator's
  # PKI (per node for certificates and keys).
  secret_files = merge(
    {
      (local.consul_secrets) = { source = "consul-secrets.json", owner = "root:${var.consul_user}", permissions = "0640" }
    },
    local.nomad ? {
      (local.nomad_secrets) = { source = local.server ? "nomad-server-secrets.json" : "nomad-client-secrets.json", owner = "root:root", permissions = "0600" }
    } : null,
    local.router ? {
      (local.router_consul_token) = { source = "router-consul.token", owner = "root:root", permissions = "0600" }
      (local.router_admin_token)  = { source = "router-admin.token", owner = "root:root", permissions = "0600" }
    } : null,
    local.tls ? {
      (var.tls.consul_ca_file) = { source = "consul-ca.pem", owner = "root:root", permissions = "0644" }
    } : null,
    local.consul_https ? {
      (var.tls.consul_cert_file) = { source = "consul-server.pem", owner = "root:root", permissions = "0644" }
      (var.tls.consul_key_file)  = { source = "consul-server-key.pem", owner = "root:${var.consul_user}", permissions = "0640" }
    } : null,
    local.tls && local.nomad ? {
      (var.tls.nomad_ca_file)   = { source = "nomad-ca.pem", owner = "root:root", permissions = "0644" }
      (var.tls.nomad_cert_file) = { source = local.server ? "nomad-server.pem" : "nomad-client.pem", owner = "root:root", permissions = "0644" }
      (var.tls.nomad_key_file)  = { source = local.server ? "nomad-server-key.pem" : "nomad-client-key.pem", owner = "root:root", permissions = "0600" }
    } : null,
  )

  # The agent configs below are package agentconfig's (Consul, Nomad), which
  # the dev cluster renders its agents from; terraform/agentconfig_test.go
  # fails when they differ in any field, so change both together.

  # Nomad hands its own environment to every raw_exec task; no credential
  # in it may reach a site. Setting the list replaces Nomad's default, so
  # this is Nomad's default plus every token variable
  # (agentconfig.EnvDenylist).
  env_denylist = [
    "CONSUL_TOKEN", "CONSUL_HTTP_TOKEN", "CONSUL_HTTP_TOKEN_FILE", "NOMAD_TOKEN", "VAULT_TOKEN",
    "CONSUL_LICENSE", "NOMAD_LICENSE", "VAULT_LICENSE", "CONSUL_LICENSE_PATH", "NOMAD_LICENSE_PATH", "VAULT_LICENSE_PATH",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_METADATA_URL",
    "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_OAUTH_ACCESS_TOKEN", "HOSTCTL_PG_ADMIN_URL",
  ]

  static_roots = var.router_static_roots != null ? var.router_static_roots : (local.client ? [local.p.source_root, local.p.media_root] : [])

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
      client_addr    = local.consul_loopback ? "127.0.0.1" : var.http_bind_addr
      retry_join     = var.retry_join
      # hostctl talks to Consul over HTTP only: gRPC (Connect), DNS and WAN
      # federation stay off, each one port fewer to secure.
      ports = {
        http     = local.consul_https ? -1 : var.ports.consul_http
        https    = local.consul_https ? var.ports.consul_https : -1
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
      # Nothing is allowed without a token. The tokens themselves (the
      # agent's) are in secrets.json; the ACL system is bootstrapped by
      # `hostctl cluster bootstrap`. extend-cache: a partitioned node keeps
      # serving what it was allowed rather than denying everything.
      acl = {
        enabled                  = true
        default_policy           = "deny"
        down_policy              = "extend-cache"
        enable_token_persistence = true
      }
    },
    var.gossip_encryption ? { encrypt_verify_incoming = true, encrypt_verify_outgoing = true } : null,
    local.consul_https ? {
      tls = {
        defaults = {
          ca_file   = var.tls.consul_ca_file
          cert_file = var.tls.consul_cert_file
          key_file  = var.tls.consul_key_file
          # The HTTPS API is for operators, the UI and local processes,
          # which hold tokens, not certificates.
          verify_incoming = false
          verify_outgoing = true
        }
        internal_rpc = { verify_incoming = true, verify_server_hostname = true }
      }
      # Clients get their RPC certificates from the servers.
      auto_encrypt = { allow_tls = true }
    } : null,
    local.consul_loopback ? {
      tls = {
        defaults     = { ca_file = var.tls.consul_ca_file, verify_outgoing = true }
        internal_rpc = { verify_server_hostname = true }
      }
      auto_encrypt = { tls = true }
    } : null,
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
      # Servers and clients find each other through the Consul agent, with
      # the token in secrets.json. Services get a workload identity Consul
      # trusts (acls.AuthMethod), each good for its own job's name; tasks
      # get none (no task_identity): site processes need no Consul token.
      consul = merge(
        {
          address          = local.consul_host_port
          service_identity = { aud = ["consul.io"], ttl = "1h" }
        },
        local.consul_https ? { ssl = true, verify_ssl = true, ca_file = var.tls.consul_ca_file } : null,
      )
      acl                  = { enabled = true }
      limits               = { http_max_conns_per_client = var.http_max_conns_per_client }
      disable_update_check = true
      log_level            = var.log_level
      # Every interval the leader sets gauges for every job's summary: at
      # the default 1 s, 4,000 sleeping sites kept most of a core busy.
      telemetry = { collection_interval = "10s" }
    },
    var.name == null ? null : { name = var.name },
    local.tls ? {
      tls = {
        http      = true
        rpc       = true
        ca_file   = var.tls.nomad_ca_file
        cert_file = var.tls.nomad_cert_file
        key_file  = var.tls.nomad_key_file
        # A client's certificate cannot pass for a server's.
        verify_server_hostname = true
        # The API and UI are for people and tools holding tokens.
        verify_https_client = false
      }
    } : null,
    local.server ? {
      server = merge(
        {
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
          # A lost client's instances are replaced once its heartbeat TTL
          # plus this grace has passed; after a leader election, once the
          # failover TTL has (hostctl's agentconfig explains the values).
          min_heartbeat_ttl      = "2s"
          heartbeat_grace        = "15s"
          failover_heartbeat_ttl = "30s"
        },
        # Nomad looks its servers up in Consul only while it knows too few
        # Raft peers: a server that autopilot removed while it was gone
        # comes back with its old peer list and must be told where to join.
        length(var.nomad_server_join) == 0 ? null : { server_join = { retry_join = var.nomad_server_join } },
      )
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
            "env.denylist"         = join(",", local.env_denylist)
          }
          # A site's git or archive source is fetched by Nomad; its defaults
          # let an archive unpack to 100 GB. The defaults are the dev
          # cluster's (agentconfig.DefaultArtifactLimits).
          artifact = var.artifact_limits
          # Every site port asks for this host network (hostctl's
          # contract.SitesNetwork): the instances' interface, which without
          # network_interface is the default route's, as Nomad would pick.
          host_network = [{ sites = merge(
            { interface = coalesce(var.network_interface, "{{ GetDefaultInterfaces | attr \"name\" }}") },
            var.sites_cidr == null ? {} : { cidr = var.sites_cidr },
          ) }]
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
          bin     = "${local.p.bin_dir}/consul", config_dir = local.p.consul_config_dir, user = var.consul_user
          secrets = local.consul_secrets, check = local.check_secrets, keys = local.consul_secret_keys
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
          awaited = concat([local.consul_secrets], local.nomad ? [local.nomad_secrets] : [],
          local.router ? [local.router_consul_token, local.router_admin_token] : [])
        })
        permissions = "0755"
      }
      (local.check_secrets) = {
        content     = file("${local.tmpl}/check-secrets.sh")
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
          secrets    = local.nomad_secrets, check = local.check_secrets, keys = local.nomad_secret_keys
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
          bin          = local.hostctl_bin, env_file = "${local.p.hostctl_config_dir}/router.env"
          check        = local.check_secrets
          consul_token = local.router_consul_token, admin_token = local.router_admin_token
          # A server's own HTTPS API, or the servers' as fallbacks: both
          # are verified against the operator's CA.
          consul_ca = local.consul_https || local.tls && length(var.router_consul_fallbacks) > 0 ? var.tls.consul_ca_file : ""
          # Nodes without a Nomad agent (router only) route sleeping sites'
          # domains but cannot wake them: requests get 503 saying so.
          nomad_addr       = local.nomad ? local.nomad_http_addr : ""
          nomad_ca         = local.nomad && local.tls ? var.tls.nomad_ca_file : ""
          static_roots     = local.static_roots
          consul_fallbacks = var.router_consul_fallbacks
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
