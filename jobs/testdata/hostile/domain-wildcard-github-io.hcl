# want: error "Invalid domain" at 3:14
site "hello" {
  domains = ["*.github.io"]
  wsgi    = "app:application"
  app     = "app"
}
