# want: error "Limit exceeded" at 8:18
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  process "web" {
    memory     = "256MiB"
    memory_max = "1PiB"
  }
}
