# want: error "Invalid python" at 6:12
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  python = "python3"
}
