# want: error "Invalid command" at 7:27
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  process "worker" {
    command = ["python3", "worker.py\u0000--evil"]
  }
}
