# want: error "Value too large" at 10:9
locals {
  s = join("", [for i in range(200) : "xxxxxxxxxx"])
}
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  env {
    X = replace(local.s, "", local.s)
  }
}
