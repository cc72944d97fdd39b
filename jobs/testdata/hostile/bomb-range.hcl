# want: error "Error in function call" at 7:19
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  env {
    X = join(",", range(100000000))
  }
}
