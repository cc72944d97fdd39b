output "nomad_addr" {
  description = "NOMAD_ADDR for hostctl (from an address in admin_cidrs)."
  value       = "http://${aws_instance.server["server-1"].public_ip}:4646"
}

output "consul_http_addr" {
  description = "CONSUL_HTTP_ADDR for hostctl."
  value       = "${aws_instance.server["server-1"].public_ip}:8500"
}

output "router_url" {
  description = "HOSTCTL_ROUTER_URL: where sites are served. Point each site's DNS name at this load balancer."
  value       = "http://${aws_lb.sites.dns_name}"
}

output "clients" {
  description = "Client nodes by name, with their private addresses."
  value       = { for k, i in aws_instance.client : k => i.private_ip }
}
