# want: error "Unsuitable value type" at 7:15
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  process "worker" {
    command = [["python3"]]
  }
}
