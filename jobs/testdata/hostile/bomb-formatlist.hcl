# want: error "Value too large" at 7:19
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  env {
    X = join(",", formatlist("%099999d", range(1000)))
  }
}
