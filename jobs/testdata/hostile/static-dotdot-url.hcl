# want: error "Invalid static url" at 7:11
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  static {
    url = "/s/../"
    dir = "static"
  }
}
