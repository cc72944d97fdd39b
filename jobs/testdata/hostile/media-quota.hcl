# want: error "Limit exceeded" at 7:13
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  media {
    quota = "1TiB"
  }
}
