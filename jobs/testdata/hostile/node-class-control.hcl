# want: error "Invalid node_class" at 6:16
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  node_class = "web\u0007"
}
