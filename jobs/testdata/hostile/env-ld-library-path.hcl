# want: error "Invalid env name" at 7:5
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  env {
    LD_LIBRARY_PATH = "/tmp"
  }
}
