# want: error "Invalid static url" at 10:11
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  media {
    quota = "1GiB"
  }
  static {
    url = "/media/"
    dir = "static"
  }
}
