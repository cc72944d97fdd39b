# want: error "Limit exceeded" at 7:15
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  process "web" {
    workers = 64
  }
}
