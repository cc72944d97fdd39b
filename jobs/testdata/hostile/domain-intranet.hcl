# want: error "Invalid domain" at 3:14
site "hello" {
  domains = ["intranet"]
  wsgi    = "app:application"
  app     = "app"
}
