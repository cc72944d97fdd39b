# want: error "Invalid secret name" at 6:14
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  secrets = ["LD_PRELOAD"]
}
