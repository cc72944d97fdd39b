# want: error "Invalid domain" at 3:14
site "hello" {
  domains = ["ui.nomad"]
  wsgi    = "app:application"
  app     = "app"
}
