# want: error "Invalid app directory" at 6:12
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  source {
    path = "/proc/1"
  }
}
