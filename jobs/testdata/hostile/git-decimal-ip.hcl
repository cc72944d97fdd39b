# want: error "Invalid git URL" at 6:11
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  source {
    git = "http://2130706433/x.git"
    ref = "main"
  }
}
