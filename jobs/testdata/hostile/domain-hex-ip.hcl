# want: error "Invalid domain" at 3:35
site "hello" {
  domains = ["hello.example.com", "0x7f.1"]
  wsgi    = "app:application"
  app     = "app"
}
