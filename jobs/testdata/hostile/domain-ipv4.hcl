# want: error "Invalid domain" at 3:14
site "hello" {
  domains = ["127.0.0.1"]
  wsgi    = "app:application"
  app     = "app"
}
