# want: error "Value too large" at 7:9
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  env {
    X = tonumber("1p999999999")
  }
}
