# want: ok
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  static {
    url = "/static/"
    dir = "static"
  }
}
