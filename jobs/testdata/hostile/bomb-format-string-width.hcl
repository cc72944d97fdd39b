# want: error "Value too large" at 7:9
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  env {
    X = format("%999999999s", "x")
  }
}
