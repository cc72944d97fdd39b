# want: error "Invalid domain" at 3:14
site "hello" {
  domains = ["*.localhost"]
  wsgi    = "app:application"
  app     = "app"
}
