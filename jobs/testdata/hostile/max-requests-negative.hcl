# want: error "Invalid max_requests" at 7:20
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  process "web" {
    max_requests = -1
  }
}
