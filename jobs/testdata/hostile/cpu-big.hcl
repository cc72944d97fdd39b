# want: error "Limit exceeded" at 7:11
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  process "web" {
    cpu = 64000
  }
}
