# want: error "Invalid git URL" at 6:11
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  source {
    git = "git:pw@git.example.com:org/r.git"
    ref = "main"
  }
}
