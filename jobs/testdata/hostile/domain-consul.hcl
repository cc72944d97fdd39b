# want: error "Invalid domain" at 3:14
site "hello" {
  domains = ["consul"]
  wsgi    = "app:application"
  app     = "app"
}
