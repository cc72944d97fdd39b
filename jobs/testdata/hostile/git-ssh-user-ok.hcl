# want: ok
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  source {
    git = "ssh://git@git.example.com/org/r.git"
    ref = "v1.2.0"
  }
}
