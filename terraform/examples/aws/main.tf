# A hostctl cluster on AWS: 3 servers (Consul + Nomad servers) at fixed
# private addresses, client nodes that run sites, and 2 routers behind a
# network load balancer. One public subnet per availability zone keeps the
# example short; production would put servers and clients in private
# subnets behind NAT.

data "aws_availability_zones" "available" {
  state = "available"
}

data "aws_ami" "debian12" {
  most_recent = true
  owners      = ["136693071363"] # Debian
  filter {
    name   = "name"
    values = ["debian-12-amd64-*"]
  }
}

locals {
  azs     = slice(data.aws_availability_zones.available.names, 0, 3)
  subnets = { for i, az in local.azs : az => cidrsubnet(var.vpc_cidr, 8, i) }

  # Servers get fixed addresses so every node can join them without a
  # cloud auto-join IAM role.
  servers = { for i, az in local.azs : "server-${i + 1}" => {
    az = az
    ip = cidrhost(local.subnets[az], 10)
  } }
  server_ips = [for s in values(local.servers) : s.ip]

  routers = { "router-1" = local.azs[0], "router-2" = local.azs[1] }
  client_az = { for i, name in sort(tolist(var.clients)) :
  name => local.azs[i % length(local.azs)] }
}

resource "aws_vpc" "this" {
  cidr_block           = var.vpc_cidr
  enable_dns_hostnames = true
  tags                 = { Name = var.cluster }
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id
}

resource "aws_subnet" "this" {
  for_each                = local.subnets
  vpc_id                  = aws_vpc.this.id
  availability_zone       = each.key
  cidr_block              = each.value
  map_public_ip_on_launch = true
  tags                    = { Name = "${var.cluster}-${each.key}" }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.this.id
  }
}

resource "aws_route_table_association" "public" {
  for_each       = aws_subnet.this
  subnet_id      = each.value.id
  route_table_id = aws_route_table.public.id
}

# Every node: all traffic between nodes of the cluster (Serf, RPC, and the
# routers reaching site instances on clients' dynamic ports), SSH from the
# operators.
resource "aws_security_group" "node" {
  name   = "${var.cluster}-node"
  vpc_id = aws_vpc.this.id

  ingress {
    description = "cluster-internal"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    self        = true
  }
  ingress {
    description = "SSH"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = var.admin_cidrs
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# Servers: the Nomad and Consul HTTP APIs for hostctl's operators.
resource "aws_security_group" "api" {
  name   = "${var.cluster}-api"
  vpc_id = aws_vpc.this.id

  ingress {
    description = "Nomad API"
    from_port   = 4646
    to_port     = 4646
    protocol    = "tcp"
    cidr_blocks = var.admin_cidrs
  }
  ingress {
    description = "Consul API"
    from_port   = 8500
    to_port     = 8500
    protocol    = "tcp"
    cidr_blocks = var.admin_cidrs
  }
}

# Routers: site traffic and health checks through the NLB, which keeps the
# clients' source addresses.
resource "aws_security_group" "router" {
  name   = "${var.cluster}-router"
  vpc_id = aws_vpc.this.id

  ingress {
    description = "site traffic"
    from_port   = 8080
    to_port     = 8080
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    description = "NLB health checks"
    from_port   = 8081
    to_port     = 8081
    protocol    = "tcp"
    cidr_blocks = [var.vpc_cidr]
  }
}

module "server" {
  source   = "../../modules/node"
  for_each = local.servers

  name             = each.key
  roles            = ["server"]
  bootstrap_expect = 3
  retry_join       = local.server_ips
  binaries         = var.binaries
}

module "client" {
  source   = "../../modules/node"
  for_each = local.client_az

  name       = each.key
  roles      = ["client"]
  retry_join = local.server_ips
  binaries   = var.binaries
  # The second EBS volume (below); Nitro instances name it nvme1n1.
  media = { device = "/dev/nvme1n1" }
}

module "router" {
  source   = "../../modules/node"
  for_each = local.routers

  name       = each.key
  roles      = ["router"]
  retry_join = local.server_ips
  binaries   = var.binaries
}

resource "aws_instance" "server" {
  for_each               = local.servers
  ami                    = data.aws_ami.debian12.id
  instance_type          = var.server_instance_type
  subnet_id              = aws_subnet.this[each.value.az].id
  private_ip             = each.value.ip
  key_name               = var.ssh_key_name
  vpc_security_group_ids = [aws_security_group.node.id, aws_security_group.api.id]
  user_data_base64       = module.server[each.key].user_data_base64gzip
  # A changed config is rolled out by replacing servers one at a time
  # (docs/operations.md), never by rewriting user-data in place.
  user_data_replace_on_change = true
  tags                        = { Name = "${var.cluster}-${each.key}", "hostctl-role" = "server" }
}

resource "aws_instance" "client" {
  for_each                    = local.client_az
  ami                         = data.aws_ami.debian12.id
  instance_type               = var.client_instance_type
  subnet_id                   = aws_subnet.this[each.value].id
  key_name                    = var.ssh_key_name
  vpc_security_group_ids      = [aws_security_group.node.id]
  user_data_base64            = module.client[each.key].user_data_base64gzip
  user_data_replace_on_change = true
  tags                        = { Name = "${var.cluster}-${each.key}", "hostctl-role" = "client" }

  ebs_block_device {
    device_name = "/dev/sdf"
    volume_size = var.media_volume_gib
    volume_type = "gp3"
    encrypted   = true
  }
}

resource "aws_instance" "router" {
  for_each                    = local.routers
  ami                         = data.aws_ami.debian12.id
  instance_type               = var.router_instance_type
  subnet_id                   = aws_subnet.this[each.value].id
  key_name                    = var.ssh_key_name
  vpc_security_group_ids      = [aws_security_group.node.id, aws_security_group.router.id]
  user_data_base64            = module.router[each.key].user_data_base64gzip
  user_data_replace_on_change = true
  tags                        = { Name = "${var.cluster}-${each.key}", "hostctl-role" = "router" }
}

resource "aws_lb" "sites" {
  name               = "${var.cluster}-sites"
  load_balancer_type = "network"
  subnets            = [for s in aws_subnet.this : s.id]
}

resource "aws_lb_target_group" "routers" {
  name     = "${var.cluster}-routers"
  port     = 8080
  protocol = "TCP"
  vpc_id   = aws_vpc.this.id
  # The router drains in-flight requests on SIGTERM; give it the time.
  deregistration_delay = 30

  health_check {
    protocol = "HTTP"
    port     = "8081"
    path     = "/healthz"
  }
}

resource "aws_lb_target_group_attachment" "routers" {
  for_each         = aws_instance.router
  target_group_arn = aws_lb_target_group.routers.arn
  target_id        = each.value.id
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.sites.arn
  port              = 80
  protocol          = "TCP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.routers.arn
  }
}
