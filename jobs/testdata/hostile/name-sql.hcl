# want: error "Invalid site name" at 2:6
site "a\"; DROP ROLE postgres; --" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
}
