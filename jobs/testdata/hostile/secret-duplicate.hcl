# want: error "Duplicate secret" at 6:25
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  secrets = ["API_KEY", "API_KEY"]
}
