variable "aws_region" {
  type    = string
  default = "eu-central-1"
}

variable "cluster" {
  description = "Name of this cluster; prefixes every resource name."
  type        = string
  default     = "hostctl"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,20}$", var.cluster))
    error_message = "cluster must be lower-case letters, digits and '-', at most 21 characters (load balancer names are short)."
  }
}

variable "vpc_cidr" {
  type    = string
  default = "10.42.0.0/16"
}

variable "admin_cidrs" {
  description = "Who may reach SSH and the Nomad and Consul HTTPS APIs and UIs on the servers (hostctl's operators)."
  type        = list(string)

  validation {
    condition     = length(var.admin_cidrs) > 0 && alltrue([for c in var.admin_cidrs : can(cidrhost(c, 0)) && c != "0.0.0.0/0"])
    error_message = "admin_cidrs must be CIDR blocks, and not 0.0.0.0/0: the APIs are for operators only (ACLs guard every request, the network keeps the rest of the world from trying)."
  }
}

variable "ssh_key_name" {
  description = "EC2 key pair for SSH access to the nodes."
  type        = string
}

variable "clients" {
  description = "Names of the client nodes that run sites. Add a name to add a client; drain it (docs/operations.md) before removing its name."
  type        = set(string)
  default     = ["client-1", "client-2"]
}

variable "server_instance_type" {
  type    = string
  default = "t3.small"
}

variable "client_instance_type" {
  type    = string
  default = "m6i.large"
}

variable "router_instance_type" {
  type    = string
  default = "t3.small"
}

variable "media_volume_gib" {
  description = "Size of each client's EBS volume for site media (btrfs with quotas)."
  type        = number
  default     = 50
}

variable "binaries" {
  description = "Where nodes download nomad, consul and hostctl (e.g. the binaries scripts/bootstrap builds, uploaded to your own bucket), with their SHA-256. Empty when the AMI already has them."
  type = map(object({
    url    = string
    sha256 = string
  }))
  default = {}
}
