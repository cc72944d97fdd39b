# want: error "Invalid instances" at 10:17
locals {
  big = join("", [for i in range(1000) : "1234567890"])
}
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  process "web" {
    instances = local.big
  }
}
