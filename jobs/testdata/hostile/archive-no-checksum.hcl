# want: error "Missing checksum" at 5:3
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  source {
    archive = "https://releases.example.com/app.tar.gz"
  }
}
