# want: error "Invalid static dir" at 9:3
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
