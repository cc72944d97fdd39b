# want: ok
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  source {
    git = "https://git.example.com/r.git"
    ref = "main"
  }
  static {
    url = "/static/"
    dir = "static"
  }
}
