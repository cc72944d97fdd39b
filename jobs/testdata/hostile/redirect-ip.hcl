# want: error "Invalid redirect" at 6:16
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  redirects = ["10.0.0.1"]
}
