# want: error "Value too large" at 4:7
locals {
  l = [for i in range(100) : { n = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" }]
  x = [for a in local.l : local.l[*].n]
}
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
}
