# want: error "Invalid python" at 6:12
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  python = "/usr/bin/python3\n"
}
