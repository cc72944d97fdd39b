# want: error "Expression too complex" at 5:7
locals {
  i = 0
  l = [0]
  x = local.l[local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i][local.i]
}
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
}
