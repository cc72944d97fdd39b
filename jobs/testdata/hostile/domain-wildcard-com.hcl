# want: error "Invalid domain" at 3:14
site "hello" {
  domains = ["*.com"]
  wsgi    = "app:application"
  app     = "app"
}
