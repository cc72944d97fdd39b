output "files" {
  description = "The node's files by path on the node, as the node module renders them."
  value       = module.node.files
}

output "written" {
  description = "Where each file was written."
  value       = sort(keys(local.rendered))
}

output "units" {
  value = module.node.units
}

output "consul_http_addr" {
  value = module.node.consul_http_addr
}

output "nomad_addr" {
  value = module.node.nomad_addr
}

output "secret_files" {
  description = "What the operator places on the node (see the node module's secret_files)."
  value       = module.node.secret_files
}
