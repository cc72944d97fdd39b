# want: error "Invalid domain" at 3:14
site "hello" {
  domains = ["*.service.consul"]
  wsgi    = "app:application"
  app     = "app"
}
