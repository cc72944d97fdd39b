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

# The security groups open only what each role serves, to whom (see
# docs/operations.md, "Network"): nothing is reachable by default, and every
# rule below names a port of Consul's, Nomad's or the router's.

# Every node runs a Consul agent, and every agent gossips with every other
# (Serf LAN, TCP and UDP). SSH from the operators.
resource "aws_security_group" "node" {
  name   = "${var.cluster}-node"
  vpc_id = aws_vpc.this.id

  ingress {
    description = "Consul LAN gossip"
    from_port   = 8301
    to_port     = 8301
    protocol    = "tcp"
    self        = true
  }
  ingress {
    description = "Consul LAN gossip"
    from_port   = 8301
    to_port     = 8301
    protocol    = "udp"
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

# Servers: Consul's RPC from every agent (client agents forward to it and
# get their certificates there, auto_encrypt), Nomad's RPC from Nomad
# clients and the other servers, Nomad's server gossip among servers, and
# the HTTPS APIs and UIs for the operators. Nomad and Consul on a server
# talk to each other over loopback, which no security group filters.
resource "aws_security_group" "server" {
  name   = "${var.cluster}-server"
  vpc_id = aws_vpc.this.id

  ingress {
    description     = "Consul server RPC"
    from_port       = 8300
    to_port         = 8300
    protocol        = "tcp"
    security_groups = [aws_security_group.node.id]
  }
  ingress {
    description     = "Nomad RPC from clients"
    from_port       = 4647
    to_port         = 4647
    protocol        = "tcp"
    security_groups = [aws_security_group.client.id]
  }
  ingress {
    description = "Nomad RPC between servers"
    from_port   = 4647
    to_port     = 4647
    protocol    = "tcp"
    self        = true
  }
  ingress {
    description = "Nomad server gossip"
    from_port   = 4648
    to_port     = 4648
    protocol    = "tcp"
    self        = true
  }
  ingress {
    description = "Nomad server gossip"
    from_port   = 4648
    to_port     = 4648
    protocol    = "udp"
    self        = true
  }
  ingress {
    description = "Nomad HTTPS API and UI"
    from_port   = 4646
    to_port     = 4646
    protocol    = "tcp"
    cidr_blocks = var.admin_cidrs
  }
  ingress {
    description = "Consul HTTPS API and UI"
    from_port   = 8501
    to_port     = 8501
    protocol    = "tcp"
    cidr_blocks = var.admin_cidrs
  }
  ingress {
    description     = "Consul HTTPS API for the routers, should their own agent stop answering (--consul-fallback)"
    from_port       = 8501
    to_port         = 8501
    protocol        = "tcp"
    security_groups = [aws_security_group.router.id]
  }
}

# Clients: site instances listen on Nomad's dynamic ports, and only the
# routers may reach them. (Consul's health checks come from the client's
# own agent, on the same machine.)
resource "aws_security_group" "client" {
  name   = "${var.cluster}-client"
  vpc_id = aws_vpc.this.id

  ingress {
    description     = "site instances, from the routers"
    from_port       = 20000
    to_port         = 32000
    protocol        = "tcp"
    security_groups = [aws_security_group.router.id]
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
    description = "NLB health checks (/healthz; /metrics needs the admin token)"
    from_port   = 8081
    to_port     = 8081
    protocol    = "tcp"
    cidr_blocks = [var.vpc_cidr]
  }
}

module "server" {
  source   = "../../modules/node"
  for_each = local.servers

  name              = each.key
  roles             = ["server"]
  bootstrap_expect  = 3
  retry_join        = local.server_ips
  nomad_server_join = local.server_ips
  binaries          = var.binaries
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
  # The servers' HTTPS APIs, followed when the router's own agent stops
  # answering (docs/reliability.md).
  router_consul_fallbacks = [for ip in local.server_ips : "https://${ip}:8501"]
}

resource "aws_instance" "server" {
  for_each               = local.servers
  ami                    = data.aws_ami.debian12.id
  instance_type          = var.server_instance_type
  subnet_id              = aws_subnet.this[each.value.az].id
  private_ip             = each.value.ip
  key_name               = var.ssh_key_name
  vpc_security_group_ids = [aws_security_group.node.id, aws_security_group.server.id]
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
  vpc_security_group_ids      = [aws_security_group.node.id, aws_security_group.client.id]
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
