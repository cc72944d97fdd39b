# want: error "Invalid domain" at 3:14
site "hello" {
  domains = ["::1"]
  wsgi    = "app:application"
  app     = "app"
}
