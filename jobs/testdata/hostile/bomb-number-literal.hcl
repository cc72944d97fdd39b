# want: error "Value too large" at 3:7
locals {
  x = 1e100000000
}
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
}
