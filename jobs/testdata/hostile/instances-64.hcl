# want: error "Limit exceeded" at 7:17
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  process "web" {
    instances = 64
  }
}
