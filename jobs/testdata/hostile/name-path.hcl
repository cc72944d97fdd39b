# want: error "Invalid site name" at 2:6
site "../../etc" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
}
