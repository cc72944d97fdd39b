# want: error "Value too large" at 7:9
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  env {
    X = "1e100000000" + 0
  }
}
