# want: error "Unknown variable" at 7:20
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  constraint {
    attribute = "${node.class}"
  }
}
