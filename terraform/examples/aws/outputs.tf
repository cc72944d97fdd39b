output "nomad_addr" {
  description = "NOMAD_ADDR for hostctl (from an address in admin_cidrs). Its certificate names server.global.nomad: set NOMAD_TLS_SERVER_NAME (docs/operations.md)."
  value       = "https://${aws_instance.server["server-1"].public_ip}:4646"
}

output "consul_http_addr" {
  description = "CONSUL_HTTP_ADDR for hostctl. Its certificate names server.dc1.consul: set CONSUL_TLS_SERVER_NAME (docs/operations.md)."
  value       = "https://${aws_instance.server["server-1"].public_ip}:8501"
}

output "router_url" {
  description = "HOSTCTL_ROUTER_URL: where sites are served. Point each site's DNS name at this load balancer."
  value       = "http://${aws_lb.sites.dns_name}"
}

output "clients" {
  description = "Client nodes by name, with their private addresses."
  value       = { for k, i in aws_instance.client : k => i.private_ip }
}

output "secret_files" {
  description = "What the operator places on each node before its agents start (the node module's secret_files), by node name."
  value = merge(
    { for k, m in module.server : k => m.secret_files },
    { for k, m in module.client : k => m.secret_files },
    { for k, m in module.router : k => m.secret_files },
  )
}
