# want: error "Invalid git URL" at 6:11
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  source {
    git = "https://10.0.0.5/r.git"
    ref = "main"
  }
}
