# want: error "Invalid archive URL" at 6:16
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  source {
    archive  = "http://169.254.169.254/latest/app.tgz"
    checksum = "sha256:0000000000000000000000000000000000000000000000000000000000000000"
  }
}
