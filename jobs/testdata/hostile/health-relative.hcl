# want: error "Invalid health path" at 7:12
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  health {
    path = "healthz"
  }
}
