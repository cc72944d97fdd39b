# want: error "Invalid git URL" at 6:11
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  source {
    git = "git@192.168.1.10:org/r.git"
    ref = "main"
  }
}
