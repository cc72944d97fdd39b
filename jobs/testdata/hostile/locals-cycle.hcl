# want: error "Unresolvable local" at 3:7
locals {
  a = local.b
  b = local.a
}
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  env {
    X = local.a
  }
}
