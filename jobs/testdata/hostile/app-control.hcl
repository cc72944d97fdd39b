# want: error "Invalid app directory" at 5:13
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app\t"
}
