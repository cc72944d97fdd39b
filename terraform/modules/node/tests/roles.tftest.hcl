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
  assert {
    condition = output.consul_config.acl == {
      enabled                  = true
      default_policy           = "deny"
      down_policy              = "extend-cache"
      enable_token_persistence = true
    }
    error_message = "Consul's ACLs must deny by default and keep tokens set through the API"
  }
  assert {
    condition     = output.nomad_config.acl.enabled
    error_message = "Nomad's ACLs must be on"
  }
  assert {
    condition     = !can(output.consul_config.encrypt) && !can(output.consul_config.acl.tokens) && !can(output.nomad_config.consul.token) && !can(output.nomad_config.server.encrypt)
    error_message = "no gossip key or token may be rendered: user-data is readable from the metadata service"
  }
  assert {
    condition     = output.consul_config.encrypt_verify_incoming && output.consul_config.encrypt_verify_outgoing
    error_message = "with gossip encryption, Consul refuses unencrypted gossip both ways"
  }
  assert {
    condition = (
      output.consul_config.tls.defaults.ca_file == "/etc/consul.d/tls/ca.pem" &&
      output.consul_config.tls.defaults.cert_file == "/etc/consul.d/tls/server.pem" &&
      output.consul_config.tls.defaults.key_file == "/etc/consul.d/tls/server-key.pem" &&
      output.consul_config.tls.defaults.verify_outgoing &&
      !output.consul_config.tls.defaults.verify_incoming &&
      output.consul_config.tls.internal_rpc.verify_incoming &&
      output.consul_config.tls.internal_rpc.verify_server_hostname
    )
    error_message = "Consul servers use their certificate, require certificates on RPC but not on the HTTPS API, and check servers' names"
  }
  assert {
    condition     = output.consul_config.auto_encrypt == { allow_tls = true }
    error_message = "Consul servers hand clients their certificates (auto_encrypt.allow_tls)"
  }
  assert {
    condition     = output.consul_config.ports.https == 8501 && output.consul_config.ports.http == -1
    error_message = "a Consul server serves HTTPS on 8501 and no plain HTTP"
  }
  assert {
    condition     = output.consul_http_addr == "https://127.0.0.1:8501" && output.nomad_addr == "https://127.0.0.1:4646"
    error_message = "local processes reach both APIs over HTTPS"
  }
  assert {
    condition = output.nomad_config.tls == {
      http                   = true
      rpc                    = true
      ca_file                = "/etc/nomad.d/tls/ca.pem"
      cert_file              = "/etc/nomad.d/tls/agent.pem"
      key_file               = "/etc/nomad.d/tls/agent-key.pem"
      verify_server_hostname = true
      verify_https_client    = false
    }
    error_message = "Nomad uses TLS for HTTP and RPC and checks servers' names"
  }
  assert {
    condition = (
      output.nomad_config.consul.address == "127.0.0.1:8501" && output.nomad_config.consul.ssl &&
      output.nomad_config.consul.verify_ssl && output.nomad_config.consul.ca_file == "/etc/consul.d/tls/ca.pem"
    )
    error_message = "Nomad reaches the server's Consul over HTTPS, checking its certificate against Consul's CA"
  }
  assert {
    condition     = output.nomad_config.consul.service_identity == { aud = ["consul.io"], ttl = "1h" } && !can(output.nomad_config.consul.task_identity)
    error_message = "services get a workload identity for Consul; tasks get none"
  }
  assert {
    condition = output.secret_files == {
      "/etc/consul.d/secrets.json"       = { source = "consul-secrets.json", owner = "root:consul", permissions = "0640" }
      "/etc/nomad.d/secrets.json"        = { source = "nomad-server-secrets.json", owner = "root:root", permissions = "0600" }
      "/etc/consul.d/tls/ca.pem"         = { source = "consul-ca.pem", owner = "root:root", permissions = "0644" }
      "/etc/consul.d/tls/server.pem"     = { source = "consul-server.pem", owner = "root:root", permissions = "0644" }
      "/etc/consul.d/tls/server-key.pem" = { source = "consul-server-key.pem", owner = "root:consul", permissions = "0640" }
      "/etc/nomad.d/tls/ca.pem"          = { source = "nomad-ca.pem", owner = "root:root", permissions = "0644" }
      "/etc/nomad.d/tls/agent.pem"       = { source = "nomad-server.pem", owner = "root:root", permissions = "0644" }
      "/etc/nomad.d/tls/agent-key.pem"   = { source = "nomad-server-key.pem", owner = "root:root", permissions = "0600" }
    }
    error_message = "a server needs Consul's and Nomad's secrets, Nomad's gossip key among them, and both server certificates"
  }
  assert {
    condition = (
      strcontains(output.files["/etc/systemd/system/consul.service"].content, "ConditionPathExists=/etc/consul.d/secrets.json\n") &&
      strcontains(output.files["/etc/systemd/system/consul.service"].content, "ExecStartPre=/usr/local/lib/hostctl/check-secrets.sh /etc/consul.d/secrets.json encrypt agent\n") &&
      strcontains(output.files["/etc/systemd/system/nomad.service"].content, "ConditionPathExists=/etc/nomad.d/secrets.json\n") &&
      strcontains(output.files["/etc/systemd/system/nomad.service"].content, "ExecStartPre=/usr/local/lib/hostctl/check-secrets.sh /etc/nomad.d/secrets.json token encrypt\n")
    )
    error_message = "the agents wait for their secrets and check them (gossip keys included) before they start"
  }
  assert {
    condition     = strcontains(output.files["/usr/local/lib/hostctl/setup-node.sh"].content, "[ -e /etc/nomad.d/secrets.json ] || echo")
    error_message = "setup-node.sh says which secrets the units wait for"
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
    condition     = output.nomad_config.consul.address == "127.0.0.1:8500" && !can(output.nomad_config.consul.ssl)
    error_message = "Nomad talks to the local Consul client agent over loopback HTTP (its auto_encrypt certificate is Consul's own CA's)"
  }
  assert {
    condition = (
      output.consul_config.auto_encrypt == { tls = true } &&
      output.consul_config.tls.defaults.ca_file == "/etc/consul.d/tls/ca.pem" &&
      !can(output.consul_config.tls.defaults.cert_file) && !can(output.consul_config.tls.defaults.key_file) &&
      output.consul_config.tls.defaults.verify_outgoing && output.consul_config.tls.internal_rpc.verify_server_hostname
    )
    error_message = "a Consul client gets its certificate from the servers and needs only the CA"
  }
  assert {
    condition     = output.consul_config.client_addr == "127.0.0.1" && output.consul_config.ports.http == 8500 && output.consul_config.ports.https == -1
    error_message = "a Consul client's plain-HTTP API stays on loopback"
  }
  assert {
    condition     = output.consul_http_addr == "127.0.0.1:8500" && output.nomad_addr == "https://127.0.0.1:4646"
    error_message = "a client's Nomad API is HTTPS, its Consul API loopback HTTP"
  }
  assert {
    condition     = output.nomad_config.tls.cert_file == "/etc/nomad.d/tls/agent.pem" && output.nomad_config.tls.rpc
    error_message = "Nomad clients use TLS too"
  }
  assert {
    condition = alltrue([for v in ["NOMAD_TOKEN", "CONSUL_HTTP_TOKEN", "CONSUL_HTTP_TOKEN_FILE", "CONSUL_TOKEN", "VAULT_TOKEN", "AWS_SECRET_ACCESS_KEY", "GOOGLE_APPLICATION_CREDENTIALS", "HOSTCTL_PG_ADMIN_URL"] :
    contains(split(",", output.nomad_config.client.options["env.denylist"]), v)])
    error_message = "no credential in the Nomad agent's environment may reach a raw_exec task"
  }
  assert {
    condition = output.secret_files == {
      "/etc/consul.d/secrets.json"     = { source = "consul-secrets.json", owner = "root:consul", permissions = "0640" }
      "/etc/nomad.d/secrets.json"      = { source = "nomad-client-secrets.json", owner = "root:root", permissions = "0600" }
      "/etc/consul.d/tls/ca.pem"       = { source = "consul-ca.pem", owner = "root:root", permissions = "0644" }
      "/etc/nomad.d/tls/ca.pem"        = { source = "nomad-ca.pem", owner = "root:root", permissions = "0644" }
      "/etc/nomad.d/tls/agent.pem"     = { source = "nomad-client.pem", owner = "root:root", permissions = "0644" }
      "/etc/nomad.d/tls/agent-key.pem" = { source = "nomad-client-key.pem", owner = "root:root", permissions = "0600" }
    }
    error_message = "a client needs no Nomad gossip key and no Consul certificate of its own"
  }
  assert {
    condition     = strcontains(output.files["/etc/systemd/system/nomad.service"].content, "ExecStartPre=/usr/local/lib/hostctl/check-secrets.sh /etc/nomad.d/secrets.json token\n")
    error_message = "a client's Nomad needs its Consul token, and no gossip key"
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
      strcontains(output.files["/etc/systemd/system/hostctl-router.service"].content, "ExecStart=/usr/local/bin/hostctl router run --admin-token-file %d/admin-token\n") &&
      strcontains(output.files["/etc/systemd/system/hostctl-router.service"].content, "EnvironmentFile=/etc/hostctl/router.env\n")
    )
    error_message = "the router unit runs hostctl router run with router.env, its admin token and no static root (a router-only node has no sites' files)"
  }
  assert {
    condition = (
      strcontains(output.files["/etc/systemd/system/hostctl-router.service"].content, "LoadCredential=consul-token:/etc/hostctl/router-consul.token\n") &&
      strcontains(output.files["/etc/systemd/system/hostctl-router.service"].content, "LoadCredential=admin-token:/etc/hostctl/router-admin.token\n") &&
      strcontains(output.files["/etc/systemd/system/hostctl-router.service"].content, "Environment=CONSUL_HTTP_TOKEN_FILE=%d/consul-token\n") &&
      strcontains(output.files["/etc/systemd/system/hostctl-router.service"].content, "ExecStartPre=+/usr/local/lib/hostctl/check-secrets.sh /etc/hostctl/router-admin.token\n") &&
      strcontains(output.files["/etc/systemd/system/hostctl-router.service"].content, "ConditionPathExists=/etc/hostctl/router-consul.token\n")
    )
    error_message = "the router gets its Consul and admin tokens as systemd credentials, checked first"
  }
  assert {
    condition     = !strcontains(output.files["/etc/systemd/system/hostctl-router.service"].content, "CONSUL_CACERT")
    error_message = "a router-only node's Consul API is loopback HTTP: no CA"
  }
  assert {
    condition = output.secret_files == {
      "/etc/consul.d/secrets.json"       = { source = "consul-secrets.json", owner = "root:consul", permissions = "0640" }
      "/etc/consul.d/tls/ca.pem"         = { source = "consul-ca.pem", owner = "root:root", permissions = "0644" }
      "/etc/hostctl/router-consul.token" = { source = "router-consul.token", owner = "root:root", permissions = "0600" }
      "/etc/hostctl/router-admin.token"  = { source = "router-admin.token", owner = "root:root", permissions = "0600" }
    }
    error_message = "a router needs Consul's secrets and CA and its two tokens, nothing of Nomad's"
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
    ports             = { consul_https = 18501, nomad_http = 14646 }
    paths             = { nomad_data_dir = "/tmp/x/nomad", bin_dir = "/opt/hostctl/bin", media_root = "/tmp/x/media" }
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
    condition     = output.consul_config.ports.https == 18501 && output.consul_config.ports.server == 8300 && output.consul_config.ports.dns == -1
    error_message = "given ports override the defaults, the rest stay upstream's, DNS stays off"
  }
  assert {
    condition     = output.nomad_config.consul.address == "127.0.0.1:18501" && output.router_env.CONSUL_HTTP_ADDR == "https://127.0.0.1:18501"
    error_message = "Nomad and the router follow Consul's HTTPS port"
  }
  assert {
    condition = (
      strcontains(output.files["/etc/systemd/system/hostctl-router.service"].content, "LoadCredential=consul-ca.pem:/etc/consul.d/tls/ca.pem\n") &&
      strcontains(output.files["/etc/systemd/system/hostctl-router.service"].content, "Environment=CONSUL_CACERT=%d/consul-ca.pem\n")
    )
    error_message = "a router beside a Consul server checks its HTTPS certificate against Consul's CA"
  }
  assert {
    condition     = strcontains(output.files["/etc/systemd/system/hostctl-router.service"].content, "hostctl --nomad-addr https://127.0.0.1:14646 router run --admin-token-file %d/admin-token --nomad-token-from-consul --sleeper --static-root /srv/hostctl/sources --static-root /tmp/x/media\n")
    error_message = "a router on a client wakes sleeping sites through the node's Nomad, with its token from Consul, and serves static files from the source tree and the media store"
  }
  assert {
    condition = (
      strcontains(output.files["/etc/systemd/system/hostctl-router.service"].content, "LoadCredential=nomad-ca.pem:") &&
      strcontains(output.files["/etc/systemd/system/hostctl-router.service"].content, "Environment=NOMAD_CACERT=%d/nomad-ca.pem\n")
    )
    error_message = "a router that wakes sites through Nomad's HTTPS checks its certificate against Nomad's CA"
  }
  assert {
    condition     = output.nomad_addr == "https://127.0.0.1:14646" && output.nomad_config.addresses.http == "127.0.0.1"
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
    roles             = ["server"]
    bootstrap_expect  = 1
    retry_join        = null
    ports             = null
    paths             = null
    tls               = null
    gossip_encryption = null
  }

  assert {
    condition     = length(output.consul_config.retry_join) == 0 && output.consul_config.ports.https == 8501
    error_message = "null lists and objects (a JSON var file's null) fall back to the defaults"
  }
  assert {
    condition     = output.consul_config.tls.defaults.cert_file == "/etc/consul.d/tls/server.pem" && output.nomad_config.tls.http
    error_message = "a null tls falls back to TLS on"
  }
  assert {
    condition     = output.consul_config.encrypt_verify_incoming
    error_message = "a null gossip_encryption falls back to on"
  }
  assert {
    condition     = output.nomad_config.data_dir == "/var/lib/nomad"
    error_message = "null paths fall back to the defaults"
  }
}

run "tls_off" {
  command = plan

  variables {
    name  = "solo"
    roles = ["server", "client", "router"]
    tls   = { enabled = false }
  }

  assert {
    condition     = !can(output.consul_config.tls) && !can(output.consul_config.auto_encrypt) && !can(output.nomad_config.tls)
    error_message = "tls off renders no TLS settings"
  }
  assert {
    condition     = output.consul_config.ports.http == 8500 && output.consul_config.ports.https == -1 && output.consul_config.client_addr == "0.0.0.0"
    error_message = "without TLS Consul serves plain HTTP where told"
  }
  assert {
    condition     = output.nomad_config.consul.address == "127.0.0.1:8500" && !can(output.nomad_config.consul.ssl) && output.nomad_addr == "http://127.0.0.1:4646"
    error_message = "without TLS Nomad and local processes use plain HTTP"
  }
  assert {
    condition     = output.consul_config.acl.enabled && output.nomad_config.acl.enabled
    error_message = "ACLs stay on without TLS"
  }
  assert {
    condition     = !strcontains(output.files["/etc/systemd/system/hostctl-router.service"].content, "CONSUL_CACERT")
    error_message = "no CA for a plain-HTTP Consul"
  }
  assert {
    condition     = length([for p, f in output.secret_files : p if endswith(f.source, ".pem")]) == 0
    error_message = "no TLS files to place"
  }
}

run "tls_files_elsewhere" {
  command = plan

  variables {
    tls = {
      consul_ca_file   = "/srv/pki/consul-ca.pem"
      consul_cert_file = "/srv/pki/consul.pem"
      consul_key_file  = "/srv/pki/consul.key"
      nomad_ca_file    = "/srv/pki/nomad-ca.pem"
      nomad_cert_file  = "/srv/pki/nomad.pem"
      nomad_key_file   = "/srv/pki/nomad.key"
    }
  }

  assert {
    condition = (
      output.consul_config.tls.defaults.key_file == "/srv/pki/consul.key" &&
      output.nomad_config.tls.ca_file == "/srv/pki/nomad-ca.pem" && output.nomad_config.tls.key_file == "/srv/pki/nomad.key" &&
      output.nomad_config.consul.ca_file == "/srv/pki/consul-ca.pem"
    )
    error_message = "the given TLS paths reach both agents' configs"
  }
  assert {
    condition     = output.secret_files["/srv/pki/consul.key"].owner == "root:consul" && output.secret_files["/srv/pki/nomad.key"].permissions == "0600"
    error_message = "secret_files names the given paths"
  }
}

run "gossip_encryption_off" {
  command = plan

  variables {
    gossip_encryption = false
  }

  assert {
    condition     = !can(output.consul_config.encrypt_verify_incoming)
    error_message = "no gossip encryption settings when it is off"
  }
  assert {
    condition = (
      strcontains(output.files["/etc/systemd/system/consul.service"].content, "check-secrets.sh /etc/consul.d/secrets.json agent\n") &&
      strcontains(output.files["/etc/systemd/system/nomad.service"].content, "check-secrets.sh /etc/nomad.d/secrets.json token\n")
    )
    error_message = "without gossip encryption the agents need their tokens only"
  }
}

run "router_static_roots_given" {
  command = plan

  variables {
    roles               = ["router"]
    router_static_roots = ["/srv/shared/media", "/srv/shared/code"]
  }

  assert {
    condition     = strcontains(output.files["/etc/systemd/system/hostctl-router.service"].content, " --static-root /srv/shared/media --static-root /srv/shared/code\n")
    error_message = "given static roots reach the router, in order"
  }
}

run "router_consul_fallbacks_given" {
  command = plan

  variables {
    roles                   = ["router"]
    router_consul_fallbacks = ["https://10.0.1.10:8501", "10.0.1.11:8501"]
  }

  assert {
    condition     = strcontains(output.files["/etc/systemd/system/hostctl-router.service"].content, " --consul-fallback https://10.0.1.10:8501 --consul-fallback 10.0.1.11:8501\n")
    error_message = "given Consul fallbacks reach the router, in order"
  }

  assert {
    condition     = strcontains(output.files["/etc/systemd/system/hostctl-router.service"].content, "Environment=CONSUL_CACERT=%d/consul-ca.pem\n")
    error_message = "a router-only node with fallbacks verifies the servers' HTTPS with the CA"
  }
}
