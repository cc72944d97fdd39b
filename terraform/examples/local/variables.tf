# Defaults describe a one-machine cluster on loopback (every role on one
# node), the shape the integration test starts for real.

variable "output_dir" {
  description = "Directory the node's files are rendered under, mirroring the node's file system."
  type        = string
  default     = "rendered"
  nullable    = false

  validation {
    condition     = length(trimspace(var.output_dir)) > 0 && trimsuffix(var.output_dir, "/") != ""
    error_message = "output_dir must name a directory other than /."
  }
}

variable "name" {
  type    = string
  default = "solo"
}

variable "roles" {
  type     = set(string)
  default  = ["server", "client", "router"]
  nullable = false
}

variable "bootstrap_expect" {
  type     = number
  default  = 1
  nullable = false
}

variable "retry_join" {
  type     = list(string)
  default  = []
  nullable = false
}

variable "bind_addr" {
  type     = string
  default  = "127.0.0.1"
  nullable = false
}

variable "http_bind_addr" {
  type     = string
  default  = "127.0.0.1"
  nullable = false
}

variable "router_bind_addr" {
  type     = string
  default  = "127.0.0.1"
  nullable = false
}

variable "network_interface" {
  type    = string
  default = "lo"
}

variable "ports" {
  description = "See the node module's ports; unset ones keep the upstream defaults."
  type        = map(number)
  default     = {}
  nullable    = false
}

variable "paths" {
  description = "See the node module's paths; unset ones keep the defaults."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "consul_user" {
  type     = string
  default  = "consul"
  nullable = false
}

variable "media_image_gib" {
  description = "Size of the sparse image file holding client nodes' btrfs media volume."
  type        = number
  default     = 20
  nullable    = false
}

variable "tls" {
  description = "See the node module's tls; unset attributes keep its defaults (TLS on, files under the config dirs)."
  type = object({
    enabled          = optional(bool)
    consul_ca_file   = optional(string)
    consul_cert_file = optional(string)
    consul_key_file  = optional(string)
    nomad_ca_file    = optional(string)
    nomad_cert_file  = optional(string)
    nomad_key_file   = optional(string)
  })
  default  = {}
  nullable = false
}

variable "gossip_encryption" {
  type     = bool
  default  = true
  nullable = false
}
