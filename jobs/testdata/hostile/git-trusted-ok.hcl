# want: ok
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  source {
    git = "http://127.0.0.1:9418/r.git"
    ref = "main"
  }
}
