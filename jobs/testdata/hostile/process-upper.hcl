# want: error "Invalid process name" at 6:11
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  process "Worker" {
    command = ["python3", "worker.py"]
  }
}
