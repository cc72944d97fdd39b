# want: error "Invalid git URL" at 6:11
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  source {
    git = "git@-oProxyCommand=x:repo"
    ref = "main"
  }
}
