# want: error "Invalid ref" at 7:11
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  source {
    git = "https://git.example.com/r.git"
    ref = "--upload-pack=touch /tmp/x"
  }
}
