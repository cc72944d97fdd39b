# want: error "Invalid domain" at 3:14
site "hello" {
  domains = ["example.123"]
  wsgi    = "app:application"
  app     = "app"
}
