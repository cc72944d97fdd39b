# want: error "Duplicate static url" at 11:11
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  static {
    url = "/s/"
    dir = "static"
  }
  static {
    url = "/s/"
    dir = "static"
  }
}
