# Renders one node's files into a directory tree, without any cloud: the
# tree under output_dir mirrors the node's file system (copy it onto a
# machine's / to provision it by hand), plus user-data.yaml. Uses only
# Terraform's built-in terraform_data and local-exec, so it needs no
# provider download.

terraform {
  required_version = ">= 1.9"
}

module "node" {
  source = "../../modules/node"

  name              = var.name
  roles             = var.roles
  bootstrap_expect  = var.bootstrap_expect
  retry_join        = var.retry_join
  bind_addr         = var.bind_addr
  http_bind_addr    = var.http_bind_addr
  router_bind_addr  = var.router_bind_addr
  network_interface = var.network_interface
  ports             = var.ports
  paths             = var.paths
  consul_user       = var.consul_user
  media             = { image_gib = var.media_image_gib }
  tls               = var.tls
  gossip_encryption = var.gossip_encryption
}

locals {
  out = trimsuffix(var.output_dir, "/")
  rendered = merge(
    { for path, f in module.node.files : "${local.out}${path}" => f },
    { "${local.out}/user-data.yaml" = { content = module.node.user_data, permissions = "0600" } },
  )
}

resource "terraform_data" "file" {
  for_each = local.rendered

  input = {
    path        = each.key
    content     = each.value.content
    permissions = each.value.permissions
  }

  # Written through a temporary name so a half-written file never appears
  # under the final one.
  provisioner "local-exec" {
    command = "mkdir -p \"$(dirname \"$DEST\")\" && printf '%s' \"$CONTENT\" | base64 -d >\"$DEST.tmp\" && chmod \"$MODE\" \"$DEST.tmp\" && mv \"$DEST.tmp\" \"$DEST\""
    environment = {
      DEST    = self.input.path
      CONTENT = base64encode(self.input.content)
      MODE    = self.input.permissions
    }
  }

  provisioner "local-exec" {
    when    = destroy
    command = "rm -f \"$DEST\""
    environment = {
      DEST = self.input.path
    }
  }
}
