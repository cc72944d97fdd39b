# want: error "Limit exceeded" at 3:13
site "hello" {
  domains = [for i in range(51) : "d${i}.example.com"]
  wsgi    = "app:application"
  app     = "app"
}
