# want: error "Invalid env value" at 7:9
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  env {
    X = 1 / 3
  }
}
