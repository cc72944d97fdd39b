variable "name" {
  description = "Node name, used as the Consul node name and the Nomad agent name; unique in the cluster. null uses the machine's hostname, for nodes that share one user-data (an autoscaling group)."
  type        = string
  default     = null

  validation {
    condition     = var.name == null || can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.name))
    error_message = "name must be a DNS label: lower-case letters, digits and '-', 1-63 characters, not starting or ending with '-'."
  }
}

variable "roles" {
  description = "What the node runs: \"server\" (Consul and Nomad servers), \"client\" (Nomad client that runs sites), \"router\" (the hostctl router). A node may have several."
  type        = set(string)
  nullable    = false

  validation {
    condition     = length(var.roles) > 0
    error_message = "roles must name at least one of server, client, router."
  }
  validation {
    condition     = alltrue([for r in var.roles : contains(["server", "client", "router"], r)])
    error_message = "roles may only contain \"server\", \"client\" and \"router\"."
  }
}

variable "datacenter" {
  description = "Consul and Nomad datacenter."
  type        = string
  default     = "dc1"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_-]*$", var.datacenter))
    error_message = "datacenter must be lower-case letters, digits, '-' and '_'."
  }
}

variable "region" {
  description = "Nomad region."
  type        = string
  default     = "global"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_-]*$", var.region))
    error_message = "region must be lower-case letters, digits, '-' and '_'."
  }
}

variable "bootstrap_expect" {
  description = "Number of server nodes; Consul and Nomad elect a leader once this many have joined. Only used on servers."
  type        = number
  default     = 3
  nullable    = false

  validation {
    condition     = var.bootstrap_expect >= 1 && var.bootstrap_expect <= 7 && floor(var.bootstrap_expect) == var.bootstrap_expect
    error_message = "bootstrap_expect must be a whole number from 1 to 7."
  }
  validation {
    # An even count tolerates no more failures than the odd count below it
    # and makes a split vote possible.
    condition     = var.bootstrap_expect % 2 == 1
    error_message = "bootstrap_expect must be odd (1, 3, 5 or 7)."
  }
}

variable "retry_join" {
  description = "Where the Consul agent finds the servers: addresses (host or host:serf_lan_port) or cloud auto-join strings such as \"provider=aws tag_key=hostctl-role tag_value=server\". Nomad finds its servers through Consul."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for j in var.retry_join : length(trimspace(j)) > 0])
    error_message = "retry_join entries must not be empty."
  }
  validation {
    # A client or router with nothing to join would sit alone forever; a
    # server may be alone only in a one-server cluster.
    condition     = length(var.retry_join) > 0 || (contains(var.roles, "server") && var.bootstrap_expect == 1)
    error_message = "retry_join must name the servers unless this node is the only server (roles include \"server\" and bootstrap_expect = 1)."
  }
}

variable "nomad_server_join" {
  description = "Servers only: where the Nomad server finds the other servers' gossip (host, host:nomad_serf port, or a cloud auto-join string, which joins on port 4648). Empty relies on Consul alone, and then a server that was down long enough for autopilot to remove it (about 40 s) must be joined by hand with `nomad server join`."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for j in var.nomad_server_join : length(trimspace(j)) > 0])
    error_message = "nomad_server_join entries must not be empty."
  }
}

variable "bind_addr" {
  description = "Address Consul and Nomad use for cluster traffic and advertise to each other. A go-sockaddr template is allowed; the default picks the private IP."
  type        = string
  default     = "{{ GetPrivateIP }}"
  nullable    = false

  validation {
    condition     = length(trimspace(var.bind_addr)) > 0 && var.bind_addr != "0.0.0.0"
    error_message = "bind_addr must be one address (or a go-sockaddr template yielding one), not 0.0.0.0: it is also the address advertised to other nodes."
  }
}

variable "http_bind_addr" {
  description = "Address the Consul and Nomad HTTP APIs listen on. The default exposes them on every interface; every request needs an ACL token, and the network should still keep them to operators (see the aws example's security groups). With tls on, Consul client agents (no server role) keep their plain-HTTP API on 127.0.0.1 whatever this says: only the node's own Nomad agent and router use it."
  type        = string
  default     = "0.0.0.0"
  nullable    = false

  validation {
    condition     = can(cidrhost("${var.http_bind_addr}/32", 0))
    error_message = "http_bind_addr must be an IPv4 address."
  }
}

variable "router_bind_addr" {
  description = "Address the hostctl router listens on for site traffic and /healthz."
  type        = string
  default     = "0.0.0.0"
  nullable    = false

  validation {
    condition     = can(cidrhost("${var.router_bind_addr}/32", 0))
    error_message = "router_bind_addr must be an IPv4 address."
  }
}

variable "ports" {
  description = "TCP ports. The defaults are the upstream ones, so the stock nomad and consul CLIs work without flags. consul_server must be the same on every node: with tls on, a client agent asks for its certificate at retry_join's hosts on its own consul_server port."
  type = object({
    consul_http     = optional(number, 8500)
    consul_https    = optional(number, 8501)
    consul_server   = optional(number, 8300)
    consul_serf_lan = optional(number, 8301)
    nomad_http      = optional(number, 4646)
    nomad_rpc       = optional(number, 4647)
    nomad_serf      = optional(number, 4648)
    router          = optional(number, 8080)
    router_admin    = optional(number, 8081)
  })
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for p in values(var.ports) : p >= 1 && p <= 65535 && floor(p) == p])
    error_message = "every port must be a whole number from 1 to 65535."
  }
  validation {
    condition     = length(distinct(values(var.ports))) == length(values(var.ports))
    error_message = "ports must all differ."
  }
  validation {
    # Nomad hands out dynamic ports for site instances from 20000-32000.
    condition     = alltrue([for p in values(var.ports) : p < 20000 || p > 32000])
    error_message = "ports must lie outside Nomad's dynamic port range 20000-32000, where site instances listen."
  }
}

variable "network_interface" {
  description = "Interface whose address Nomad gives site instances' dynamic ports. null lets Nomad pick the interface of the default route, which routers on other machines can reach. \"lo\" keeps instances on loopback, which only works when every router runs on the same node."
  type        = string
  default     = null

  validation {
    condition     = var.network_interface == null || can(regex("^[a-zA-Z0-9_.:-]{1,15}$", var.network_interface))
    error_message = "network_interface must be an interface name such as eth0, ens5 or lo."
  }
}

variable "sites_cidr" {
  description = "Narrows the addresses of the instances' interface that site instances listen on (Nomad host_network cidr). null: every address of the interface."
  type        = string
  default     = null

  validation {
    condition     = var.sites_cidr == null || can(cidrhost(var.sites_cidr, 0))
    error_message = "sites_cidr must be a CIDR block such as 10.0.1.0/24."
  }
}

variable "node_class" {
  description = "Nomad node class of client nodes; site specs can constrain on it."
  type        = string
  default     = "sites"
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]+$", var.node_class))
    error_message = "node_class must be letters, digits, '-' and '_'."
  }
}

variable "paths" {
  description = "Where things live on the node. Every path is absolute, without spaces or a trailing slash. source_root is the source tree (HOSTCTL_SOURCE_ROOT) a router on a client serves static files from; the module does not create it."
  type = object({
    bin_dir            = optional(string, "/usr/local/bin")
    lib_dir            = optional(string, "/usr/local/lib/hostctl")
    systemd_dir        = optional(string, "/etc/systemd/system")
    consul_config_dir  = optional(string, "/etc/consul.d")
    nomad_config_dir   = optional(string, "/etc/nomad.d")
    hostctl_config_dir = optional(string, "/etc/hostctl")
    consul_data_dir    = optional(string, "/var/lib/consul")
    nomad_data_dir     = optional(string, "/var/lib/nomad")
    media_root         = optional(string, "/srv/hostctl/media")
    source_root        = optional(string, "/srv/hostctl/sources")
  })
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for p in values(var.paths) : can(regex("^(/[A-Za-z0-9._@+-]+)+$", p))])
    error_message = "paths must be absolute, made of letters, digits and ._@+- only, with no trailing slash."
  }
  validation {
    condition     = alltrue([for p in values(var.paths) : !can(regex("/\\.\\.?(/|$)", p))])
    error_message = "paths must not contain . or .. components."
  }
}

variable "media" {
  description = "The btrfs volume (with quotas) at paths.media_root holding each site's media subvolume, on client nodes. device formats a blank block device (never one that already has a filesystem of another type); without it, a sparse image file of image_gib is loop-mounted."
  type = object({
    device    = optional(string)
    image_gib = optional(number, 20)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.media.device == null || can(regex("^/dev/[A-Za-z0-9/_-]+$", coalesce(var.media.device, "x")))
    error_message = "media.device must be a path under /dev, such as /dev/nvme1n1."
  }
  validation {
    condition     = var.media.image_gib >= 1 && floor(var.media.image_gib) == var.media.image_gib
    error_message = "media.image_gib must be a whole number of at least 1."
  }
}

variable "consul_user" {
  description = "User the Consul agent runs as; created as a system user if missing. Nomad runs as root: raw_exec and the hostctl launcher need it."
  type        = string
  default     = "consul"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_-]{0,31}$", var.consul_user))
    error_message = "consul_user must be a valid user name."
  }
}

variable "binaries" {
  description = "Downloads of nomad, consul and hostctl into paths.bin_dir, each checked against its SHA-256. Leave a binary out when the image already has it."
  type = map(object({
    url    = string
    sha256 = string
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for k in keys(var.binaries) : contains(["nomad", "consul", "hostctl"], k)])
    error_message = "binaries may only name nomad, consul and hostctl."
  }
  validation {
    condition     = alltrue([for b in values(var.binaries) : can(regex("^https://[^\\s'\"]+$", b.url))])
    error_message = "binary urls must be https:// and contain no spaces or quotes."
  }
  validation {
    condition     = alltrue([for b in values(var.binaries) : can(regex("^[0-9a-f]{64}$", b.sha256))])
    error_message = "binary sha256 values must be 64 lower-case hex digits."
  }
}

variable "extra_packages" {
  description = "Debian packages to install besides the ones each role needs."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for p in var.extra_packages : can(regex("^[a-z0-9][a-z0-9+.-]+$", p))])
    error_message = "extra_packages must be Debian package names."
  }
}

variable "http_max_conns_per_client" {
  description = "Consul's and Nomad's cap on concurrent HTTP connections from one client IP. The router holds a blocking Consul query per site, so the default cap of 200 stops routing at about 200 sites."
  type        = number
  default     = 4096
  nullable    = false

  validation {
    condition     = var.http_max_conns_per_client >= 200 && floor(var.http_max_conns_per_client) == var.http_max_conns_per_client
    error_message = "http_max_conns_per_client must be a whole number of at least 200 (Consul's default)."
  }
}

variable "log_level" {
  description = "Consul and Nomad log level."
  type        = string
  default     = "INFO"
  nullable    = false

  validation {
    condition     = contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR"], var.log_level)
    error_message = "log_level must be TRACE, DEBUG, INFO, WARN or ERROR."
  }
}

variable "artifact_limits" {
  description = "Bounds on what Nomad fetches for a site's git or archive source (Nomad's client artifact block). The defaults match the dev cluster; Nomad's own let an archive unpack to 100 GB."
  type = object({
    http_max_size                  = optional(string, "512MB")
    decompression_size_limit       = optional(string, "2GB")
    decompression_file_count_limit = optional(number, 50000)
    http_read_timeout              = optional(string, "5m")
    git_timeout                    = optional(string, "5m")
  })
  default  = {}
  nullable = false
}

variable "tls" {
  description = "TLS for Consul's and Nomad's RPC and HTTP APIs, from files the operator places on the node (the module only names them: user-data is readable from the instance metadata service). Consul servers use consul_cert_file/consul_key_file (SANs server.<datacenter>.consul, localhost, 127.0.0.1) and serve HTTPS on ports.consul_https instead of HTTP; Consul clients get their certificate from the servers (auto_encrypt) and need only the CA. Every Nomad agent uses nomad_cert_file/nomad_key_file (SANs server.<region>.nomad or client.<region>.nomad, localhost, 127.0.0.1). enabled = false leaves RPC and the APIs in plain text: only for a cluster on one machine's loopback."
  type = object({
    enabled          = optional(bool, true)
    consul_ca_file   = optional(string, "/etc/consul.d/tls/ca.pem")
    consul_cert_file = optional(string, "/etc/consul.d/tls/server.pem")
    consul_key_file  = optional(string, "/etc/consul.d/tls/server-key.pem")
    nomad_ca_file    = optional(string, "/etc/nomad.d/tls/ca.pem")
    nomad_cert_file  = optional(string, "/etc/nomad.d/tls/agent.pem")
    nomad_key_file   = optional(string, "/etc/nomad.d/tls/agent-key.pem")
  })
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for k, p in var.tls : can(regex("^(/[A-Za-z0-9._@+-]+)+$", p)) && !can(regex("/\\.\\.?(/|$)", p)) if k != "enabled"])
    error_message = "tls file paths must be absolute, made of letters, digits and ._@+- only, without . or .. components."
  }
  validation {
    # Consul's servers read their key as the consul user, Nomad reads its
    # own as root: one file cannot be both.
    condition     = !var.tls.enabled || var.tls.consul_key_file != var.tls.nomad_key_file
    error_message = "tls.consul_key_file and tls.nomad_key_file must differ."
  }
}

variable "gossip_encryption" {
  description = "Whether the agents refuse to start without a gossip key in their secrets file (encrypt in <consul config dir>/secrets.json, server.encrypt in a server's <nomad config dir>/secrets.json, from `hostctl cluster init`). A first server started without one would found an unencrypted cluster."
  type        = bool
  default     = true
  nullable    = false
}

variable "router_consul_fallbacks" {
  description = "Other Consul agents' HTTP addresses (e.g. the servers' \"https://10.0.1.10:8501\") the router follows the route table through when the node's own agent stops answering (--consul-fallback, in order). Empty: it keeps its last table until systemd restarts the agent."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.router_consul_fallbacks : can(regex("^(https?://)?[A-Za-z0-9.-]+:[0-9]{1,5}$", a))])
    error_message = "router_consul_fallbacks must be HOST:PORT, optionally after http:// or https://."
  }
}

variable "router_static_roots" {
  description = "Directories the router may serve sites' static files and media from (--static-root; see docs/security.md). null: the source tree and media store (paths.source_root, paths.media_root) when the node is also a client, where they are; none on a router-only node, which has neither."
  type        = list(string)
  default     = null

  validation {
    condition     = alltrue([for p in(var.router_static_roots == null ? [] : var.router_static_roots) : can(regex("^(/[A-Za-z0-9._@+-]+)+$", p)) && !can(regex("/\\.\\.?(/|$)", p))])
    error_message = "router_static_roots must be absolute paths other than /, made of letters, digits and ._@+- only, without . or .. components."
  }
  validation {
    # The router refuses overlapping roots: a site's dir under one root
    # could be another root's site dir.
    condition = alltrue([for i, a in(var.router_static_roots == null ? [] : var.router_static_roots) : alltrue([for j, b in var.router_static_roots :
    i == j || (a != b && !startswith(a, "${b}/"))])])
    error_message = "router_static_roots must not repeat or contain one another."
  }
}
