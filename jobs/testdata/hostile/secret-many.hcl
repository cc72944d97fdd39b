# want: error "Limit exceeded" at 6:13
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  secrets = [for i in range(101) : "S${i}"]
}
