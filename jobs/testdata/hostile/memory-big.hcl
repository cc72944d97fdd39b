# want: error "Limit exceeded" at 7:14
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  process "web" {
    memory = "64GiB"
  }
}
