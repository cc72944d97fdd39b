# want: error "Limit exceeded" at 7:24
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  database {
    connection_limit = 1000
  }
}
