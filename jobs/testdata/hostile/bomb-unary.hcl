# want: error "Nesting too deep" at 3:38
locals {
  x = ----------------------------------------1
}
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
}
