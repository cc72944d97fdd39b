# want: error "Invalid static dir" at 8:11
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  static {
    url = "/s/"
    dir = "/etc"
  }
}
