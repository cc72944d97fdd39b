# want: ok
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  source {
    archive  = "https://releases.example.com/app-1.0.tar.gz"
    checksum = "sha256:0000000000000000000000000000000000000000000000000000000000000000"
  }
}
