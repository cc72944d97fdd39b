output "user_data" {
  description = "cloud-init user-data (#cloud-config) that turns a fresh Debian 12 machine into this node."
  value       = local.user_data
}

output "user_data_base64gzip" {
  description = "user_data gzipped and base64-encoded, for providers' user_data_base64 (cloud-init unpacks it); EC2 caps user-data at 16 KiB."
  value       = base64gzip(local.user_data)
}

output "files" {
  description = "Every file written to the node, by absolute path: content and octal permissions."
  value       = local.files
}

output "consul_config" {
  description = "The Consul agent config, as written to consul.json."
  value       = local.consul_config
}

output "nomad_config" {
  description = "The Nomad agent config, as written to nomad.json; null on router-only nodes."
  value       = local.nomad_config
}

output "router_env" {
  description = "The hostctl router's environment; null unless the node has the router role."
  value       = local.router ? local.router_env : null
}

output "packages" {
  description = "Debian packages cloud-init installs."
  value       = tolist(local.packages)
}

output "units" {
  description = "systemd units setup-node.sh enables and starts, in start order."
  value       = tolist(local.units)
}

output "consul_http_addr" {
  description = "Where processes on the node reach the Consul HTTP API (CONSUL_HTTP_ADDR): https://… on servers with tls on."
  value       = local.consul_http_addr
}

output "nomad_addr" {
  description = "Where processes on the node reach the Nomad HTTP API (NOMAD_ADDR), https://… with tls on; null on router-only nodes."
  value       = local.nomad ? local.nomad_http_addr : null
}

output "secret_files" {
  description = "The files the operator must place on the node before its agents start, by absolute path: source names a file `hostctl cluster init` makes (the *.json fragments and *.token files) or one of the operator's PKI (*.pem, per node for certificates and keys); owner and permissions are what the agents need and the units check. Never in user-data."
  value       = local.secret_files
}
