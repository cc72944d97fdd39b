# want: error "Invalid domain" at 3:14
site "hello" {
  domains = ["*.co.uk"]
  wsgi    = "app:application"
  app     = "app"
}
