# want: error "Invalid env value" at 8:9
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  env {
    OK = "fine"
    X = "a\u0000b"
  }
}
