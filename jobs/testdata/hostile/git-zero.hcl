# want: error "Invalid git URL" at 6:11
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  source {
    git = "http://0.0.0.0:8500/r.git"
    ref = "main"
  }
}
