# want: error "Duplicate domain" at 7:1
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
}
site "other" {
  domains = ["*.example.com"]
  wsgi    = "app:application"
  app     = "app"
}
