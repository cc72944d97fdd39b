# want: error "Invalid env name" at 7:5
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  env {
    GODEBUG = "madvdontneed=1"
  }
}
