# want: error "Value too large" at 7:19
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  env {
    X = join(",", [for a in range(1000) : join(",", [for b in range(1000) : b])])
  }
}
