# want: ok
site "hello" {
  domains = ["*.shop.example.com", "hello.localhost", "www.example.co.uk"]
  wsgi    = "app:application"
  app     = "app"
}
