# want: error "Invalid release command" at 6:14
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  release = [[]]
}
