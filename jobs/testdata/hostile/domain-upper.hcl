# want: error "Invalid domain" at 3:14
site "hello" {
  domains = ["Hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
}
