# want: error "Invalid git URL" at 6:11
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  source {
    git = "http://127.0.0.1:4646/x"
    ref = "main"
  }
}
